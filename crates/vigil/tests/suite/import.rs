//! CSV import, end to end on an encrypted SQLite store: journey 6 (migrating years of
//! records from a Latin-1 spreadsheet with its own spellings). Self-contained: each
//! test opens its own store in a temporary directory.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::TimeZone as _;
use zeroize::Zeroizing;

use vigil::import::{self, Encoding, ImportOptions};
use vigil_domain::model::{Incident, IncidentStatus, Precision};
use vigil_domain::search::{IncidentFilter, PersonFilter};
use vigil_domain::vocab::VocabKind;
use vigil_domain::{FixedClock, Role};
use vigil_store::{Access, Actor, NewUser, Store, StoreConfig, StoreError};

struct Fixture {
    store: Store,
    admin: Access,
    dir: tempfile::TempDir,
}

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let clock = FixedClock::new(
        chrono::Utc
            .with_ymd_and_hms(2026, 11, 28, 12, 0, 0)
            .unwrap(),
    );
    let store = Store::open(
        StoreConfig::Sqlite {
            path: dir.path().join("vigil.db"),
            key: Zeroizing::new([7u8; 32]),
        },
        Arc::new(clock),
    )
    .await
    .unwrap();
    let admin = access(&store, "admin", Role::Admin).await;
    Fixture { store, admin, dir }
}

async fn access(store: &Store, username: &str, role: Role) -> Access {
    let user = store
        .create_user(
            NewUser {
                username: username.into(),
                password: Zeroizing::new("correct horse battery".into()),
                role,
                display_name: username.into(),
                language: String::new(),
            },
            None,
        )
        .await
        .unwrap();
    Access::new(store.clone(), Actor::from(&user))
}

impl Fixture {
    fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    fn options(&self, mapping: &Path, file: &Path) -> ImportOptions {
        ImportOptions {
            mapping: mapping.to_owned(),
            file: file.to_owned(),
            ..ImportOptions::default()
        }
    }

    async fn counts(&self) -> (i64, i64, i64) {
        self.admin.counts().await.unwrap()
    }

    async fn incidents(&self) -> Vec<Incident> {
        self.admin
            .export_incidents(&IncidentFilter::default())
            .await
            .unwrap()
    }

    async fn incident(&self, external_id: &str) -> Incident {
        self.incidents()
            .await
            .into_iter()
            .find(|i| i.external_id.as_deref() == Some(external_id))
            .unwrap_or_else(|| panic!("no incident {external_id}"))
    }
}

/// The organisation's mapping: Spanish column names, its own labels, `;` and
/// day/month/year dates, every incident documented by the organisation itself plus
/// an optional press source.
const MAPPING: &str = r#"
[csv]
delimiter = ";"
date_format = "%d/%m/%Y"

[incident]
external_id = "N° caso"
title = "Título"
narrative = "Relato"
start_date = "Fecha"
country = { column = "País", values = { "Rep. Dem. Congo" = "CD" } }
region = "Departamento"
business_sector = { column = "Sector", values = { "Palma" = "agribusiness", "Minería ilegal" = "mining" } }
status = { column = "Estado", default = "reported", values = { "Verificado" = "verified", "En verificación" = "under_verification", "Reportado" = "reported" } }

[victim]
external_id = "Cédula"
name = "Víctima"
sex = { column = "Sexo", values = { "M" = "male", "F" = "female" } }
characteristics = { column = "Perfil", separator = ",", values = { "Campesino" = "small_scale_farmer", "Líder" = "community_leader" } }
sdg_group = { value = "human_rights_defender" }

[[violation]]
violation_type = { column = "Hecho", values = { "Homicidio" = "killing", "Amenaza" = "death_threat" } }
perpetrator_type = { column = "Presunto responsable", values = { "Sicarios" = "hired_killers", "Policía Nacional" = "police", "Desconocido" = "unknown" } }
reprisal_un = { column = "Represalia ONU", values = { "X" = "yes" } }

[[source]]
source_type = { value = "ngo" }
reliability = { value = "high" }
origin = { value = "Base de datos de la organización" }

[[source]]
source_type = { value = "media" }
reliability = { value = "medium" }
origin = "Fuente de prensa"
description = "Enlace"
"#;

const HEADER: &str = "N° caso;Título;Relato;Fecha;País;Departamento;Sector;Estado;Cédula;Víctima;Sexo;Perfil;Hecho;Presunto responsable;Represalia ONU;Fuente de prensa;Enlace";

/// Three good rows; the first spans lines 2–3 (a quoted narrative with a newline).
fn good_rows() -> String {
    [
        HEADER,
        "C-001;Asesinato de líder campesino;\"Dos hombres en moto\nle dispararon.\";15/03/2019;Colombia;cauca;Palma;Verificado;CC-123;Juan Pérez;M;Campesino, Líder;Homicidio;Sicarios;;Radio Comunitaria;http://radio.example/1",
        "C-002;Amenazas a defensora;;07/2019;Rep. Dem. Congo;;;En verificación;;María López;F;;Amenaza;Policía Nacional;X;;",
        "C-003;Ataque a campamento;;2018;HND;;Minería ilegal;;;;;;Homicidio;Desconocido;;;",
    ]
    .join("\n")
        + "\n"
}

#[tokio::test]
async fn a_mapped_file_imports_every_row() {
    let fx = fixture().await;
    let opts = fx.options(
        &fx.write("map.toml", MAPPING),
        &fx.write("casos.csv", good_rows()),
    );
    let report = import::run(&fx.admin, &opts).await.unwrap();
    assert!(report.rejected.is_empty(), "{:?}", report.rejected);
    assert_eq!(report.rows, 3);
    let c = report.counts.unwrap();
    assert_eq!((c.created, c.updated, c.unchanged), (3, 0, 0));
    assert_eq!(
        fx.counts().await,
        (3, 3, 0),
        "three incidents, three victims"
    );
    assert!(
        report.summary().contains("3 created"),
        "{}",
        report.summary()
    );

    let one = fx.incident("C-001").await;
    assert_eq!(one.country, "CO");
    assert_eq!(
        one.region, "Cauca",
        "regions are normalised to the subdivision's spelling"
    );
    assert_eq!(
        (one.start.to_string(), one.start.precision),
        ("2019-03-15".into(), Precision::Day)
    );
    assert_eq!(one.status, IncidentStatus::Verified);
    assert_eq!(one.business_sector.as_deref(), Some("agribusiness"));
    assert_eq!(
        one.narrative.as_deref(),
        Some("Dos hombres en moto\nle dispararon.")
    );
    assert_eq!(one.sources.len(), 2);
    let v = &one.violations[0];
    assert_eq!(v.violation_type, "killing");
    assert_eq!(v.perpetrators[0].perpetrator_type, "hired_killers");
    assert_eq!(v.victim.name.as_deref(), Some("Juan Pérez"));

    let two = fx.incident("C-002").await;
    assert_eq!(two.country, "CD");
    assert_eq!(
        (two.start.to_string(), two.start.precision),
        ("2019-07".into(), Precision::Month)
    );
    assert_eq!(two.violations[0].violation_type, "death_threat");
    assert_eq!(two.violations[0].perpetrators[0].perpetrator_type, "police");
    assert!(two.violations[0].reprisal_un);
    assert_eq!(two.sources.len(), 1, "the empty press source is left out");

    let three = fx.incident("C-003").await;
    assert_eq!(
        (three.country.as_str(), three.start.precision),
        ("HN", Precision::Year)
    );
    assert_eq!(
        three.status,
        IncidentStatus::Reported,
        "the default applies to an empty cell"
    );

    let victims = fx
        .admin
        .persons(&PersonFilter::default())
        .await
        .unwrap()
        .items;
    let juan = victims
        .iter()
        .find(|p| p.external_id.as_deref() == Some("CC-123"))
        .unwrap();
    assert_eq!(
        juan.characteristics,
        vec![
            "community_leader".to_owned(),
            "small_scale_farmer".to_owned()
        ]
    );
    assert_eq!(juan.sdg_group.as_deref(), Some("human_rights_defender"));
    assert!(
        victims
            .iter()
            .any(|p| p.external_id.as_deref() == Some("C-002#victim")),
        "a victim without an id column gets one derived from the incident"
    );
}

#[tokio::test]
async fn a_dry_run_checks_everything_and_writes_nothing() {
    let fx = fixture().await;
    let mut opts = fx.options(
        &fx.write("map.toml", MAPPING),
        &fx.write("casos.csv", good_rows()),
    );
    opts.dry_run = true;
    let report = import::run(&fx.admin, &opts).await.unwrap();
    assert!(report.rejected.is_empty(), "{:?}", report.rejected);
    assert_eq!((report.rows, report.counts), (3, None));
    assert!(
        report.summary().starts_with("dry run"),
        "{}",
        report.summary()
    );
    assert_eq!(fx.counts().await, (0, 0, 0));
}

#[tokio::test]
async fn bad_rows_reject_the_whole_file_naming_line_and_column() {
    let fx = fixture().await;
    let csv = good_rows()
        + &[
            "C-004;País desconocido;;01/01/2020;Atlántida;;;;;;;;Homicidio;Sicarios;;;",
            "C-005;Fecha imposible;;31/02/2020;Colombia;;;;;;;;Homicidio;Sicarios;;;",
            "C-006;Responsable propio;;01/01/2020;Colombia;;;;;;;;Homicidio;Paramilitares de la zona;;;",
            "C-007;Fecha futura;;01/01/2030;Colombia;;;;;;;;Homicidio;Sicarios;;;",
            "C-008;Una sola fuente;;01/01/2020;Colombia;;;Verificado;;;;;Homicidio;Sicarios;;;",
            "C-001;Repetido;;01/01/2020;Colombia;;;;;;;;Homicidio;Sicarios;;;",
        ]
        .join("\n");
    let opts = fx.options(&fx.write("map.toml", MAPPING), &fx.write("casos.csv", csv));
    let report = import::run(&fx.admin, &opts).await.unwrap();
    assert_eq!(report.counts, None);
    assert_eq!(fx.counts().await, (0, 0, 0), "one bad row imports nothing");
    assert_eq!(report.rows, 9);
    assert_eq!(report.rejected_rows(), 6, "{:#?}", report.rejected);
    let shown = report.to_string();
    assert!(
        shown.ends_with("6 of 9 rows rejected (6 problems); nothing was imported\n"),
        "{shown}"
    );
    assert_eq!(
        shown.lines().count(),
        7,
        "one line per problem, then the summary"
    );

    let at = |line: u64| {
        let errs: Vec<_> = report.rejected.iter().filter(|e| e.line == line).collect();
        assert_eq!(errs.len(), 1, "line {line}: {errs:#?}");
        (
            errs[0].column.clone().unwrap_or_default(),
            errs[0].reason.clone(),
            errs[0].to_string(),
        )
    };
    // Lines: header 1, C-001 on 2–3, C-002 4, C-003 5, then C-004 on 6 …
    let (col, reason, shown) = at(6);
    assert_eq!(col, "País");
    assert!(reason.contains("unknown country \"Atlántida\""), "{reason}");
    assert!(shown.ends_with("casos.csv:6: column País: unknown country \"Atlántida\": map it to a country code under incident.country.values in the mapping"), "{shown}");
    let (col, reason, _) = at(7);
    assert_eq!(col, "Fecha");
    assert!(
        reason.contains("\"31/02/2020\" is not a date such as 31/07/2019, 07/2019"),
        "{reason}"
    );
    let (col, reason, _) = at(8);
    assert_eq!(col, "Presunto responsable");
    assert!(
        reason.contains("unknown perpetrator type \"Paramilitares de la zona\""),
        "{reason}"
    );
    let (col, reason, _) = at(9);
    assert_eq!(col, "Fecha");
    assert!(reason.contains("in the future"), "{reason}");
    let (col, reason, _) = at(10);
    assert_eq!(col, "Estado");
    assert!(reason.contains("two independent sources"), "{reason}");
    let (col, reason, _) = at(11);
    assert_eq!(col, "N° caso");
    assert!(reason.contains("also on line 2"), "{reason}");
}

#[tokio::test]
async fn importing_again_changes_nothing_and_a_corrected_file_updates_in_place() {
    let fx = fixture().await;
    let mapping = fx.write("map.toml", MAPPING);
    let file = fx.write("casos.csv", good_rows());
    let first = import::run(&fx.admin, &fx.options(&mapping, &file))
        .await
        .unwrap();
    assert_eq!(first.counts.map(|c| c.created), Some(3));

    let again = import::run(&fx.admin, &fx.options(&mapping, &file))
        .await
        .unwrap();
    let c = again.counts.unwrap();
    assert_eq!((c.created, c.updated, c.unchanged), (0, 0, 3));
    assert_eq!(fx.counts().await, (3, 3, 0));
    let version = fx.incident("C-003").await.version;

    let corrected = good_rows().replace(
        "C-003;Ataque a campamento;;2018;HND",
        "C-003;Ataque armado a campamento;;05/2018;HND",
    );
    let file = fx.write("casos-corregido.csv", corrected);
    let fixed = import::run(&fx.admin, &fx.options(&mapping, &file))
        .await
        .unwrap();
    let c = fixed.counts.unwrap();
    assert_eq!((c.created, c.updated, c.unchanged), (0, 1, 2));
    assert_eq!(fx.counts().await, (3, 3, 0), "nothing is duplicated");
    let three = fx.incident("C-003").await;
    assert_eq!(three.title, "Ataque armado a campamento");
    assert_eq!(three.start.to_string(), "2018-05");
    assert_eq!(three.version, version + 1);
}

/// A plain mapping for files with ASCII headers.
const SIMPLE_MAPPING: &str = r#"
[incident]
external_id = "id"
title = "title"
start_date = "date"
country = "country"
[[violation]]
violation_type = "type"
perpetrator_type = "perpetrator"
"#;

/// Latin-1 bytes for text that only uses the first 256 code points.
fn latin1(s: &str) -> Vec<u8> {
    s.chars()
        .map(|c| u8::try_from(u32::from(c)).expect("a Latin-1 character"))
        .collect()
}

#[tokio::test]
async fn latin1_files_decode_when_told() {
    let fx = fixture().await;
    let bytes = latin1("id,title,date,country,type,perpetrator\nA-1,Asociación Campesina desalojada,2020-05,Honduras,raid,Policía\n");
    assert!(bytes.contains(&0xF3), "ó is one byte in Latin-1");
    let mapping = fx.write("map.toml", SIMPLE_MAPPING);
    let file = fx.write("latin1.csv", &bytes);

    // Read as UTF-8 (the default), the row is refused with its line and column.
    let report = import::run(&fx.admin, &fx.options(&mapping, &file))
        .await
        .unwrap();
    assert_eq!(report.rejected.len(), 1, "{:?}", report.rejected);
    let e = &report.rejected[0];
    assert_eq!((e.line, e.column.as_deref()), (2, Some("title")));
    assert!(e.reason.contains("--encoding latin-1"), "{}", e.reason);
    assert_eq!(fx.counts().await.0, 0);

    let mut opts = fx.options(&mapping, &file);
    opts.encoding = Encoding::Latin1;
    let report = import::run(&fx.admin, &opts).await.unwrap();
    assert!(report.rejected.is_empty(), "{:?}", report.rejected);
    let one = fx.incident("A-1").await;
    assert_eq!(one.title, "Asociación Campesina desalojada");
    assert_eq!(
        one.violations[0].perpetrators[0].perpetrator_type, "police",
        "Spanish labels are recognised"
    );

    // A Latin-1 header read as UTF-8 stops the import before any row.
    let header = fx.write("header.csv", latin1("id,título,date\n"));
    let err = import::run(&fx.admin, &fx.options(&mapping, &header))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("header.csv:1:") && err.contains("--encoding latin-1"),
        "{err}"
    );
}

#[tokio::test]
async fn unknown_terms_are_refused_unless_asked_to_add_them() {
    let fx = fixture().await;
    let mapping = fx.write("map.toml", SIMPLE_MAPPING);
    let file = fx.write(
        "a.csv",
        "id,title,date,country,type,perpetrator\nA-1,Desalojo,2020-05-02,HN,raid,Ejército\n",
    );

    let refused = import::run(&fx.admin, &fx.options(&mapping, &file))
        .await
        .unwrap();
    assert_eq!(refused.rejected.len(), 1);
    assert_eq!(refused.rejected[0].column.as_deref(), Some("perpetrator"));
    assert!(
        refused.rejected[0].reason.contains("--add-unknown-terms"),
        "{}",
        refused.rejected[0].reason
    );

    let mut opts = fx.options(&mapping, &file);
    opts.add_unknown_terms = true;
    opts.dry_run = true;
    let planned = import::run(&fx.admin, &opts).await.unwrap();
    assert!(planned.rejected.is_empty(), "{:?}", planned.rejected);
    assert_eq!(
        planned.added_terms,
        vec![(VocabKind::PerpetratorType, "ejercito".to_owned())]
    );
    let vocab = fx.admin.vocabularies().await.unwrap();
    assert!(
        !vocab.contains(VocabKind::PerpetratorType, "ejercito"),
        "a dry run adds no term"
    );

    opts.dry_run = false;
    let done = import::run(&fx.admin, &opts).await.unwrap();
    assert_eq!(done.counts.map(|c| c.created), Some(1));
    let vocab = fx.admin.vocabularies().await.unwrap();
    let term = vocab.get(VocabKind::PerpetratorType, "ejercito").unwrap();
    assert_eq!(term.label_en, "Ejército");
    assert_eq!(
        fx.incident("A-1").await.violations[0].perpetrators[0].perpetrator_type,
        "ejercito"
    );

    // Next time the new term is known: no flag needed, nothing changes.
    let again = import::run(&fx.admin, &fx.options(&mapping, &file))
        .await
        .unwrap();
    assert_eq!(again.counts.map(|c| c.unchanged), Some(1));
}

#[tokio::test]
async fn a_malformed_mapping_is_refused_naming_the_file_and_key() {
    let fx = fixture().await;
    let file = fx.write("a.csv", "id,title,date,country,type,perpetrator\n");
    let bad = fx.write(
        "bad.toml",
        SIMPLE_MAPPING.replace(
            "start_date = \"date\"",
            "start_date = { column = \"date\", fromat = \"%d/%m/%Y\" }",
        ),
    );
    let err = import::run(&fx.admin, &fx.options(&bad, &file))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("bad.toml") && err.contains("incident.start_date.fromat"),
        "{err}"
    );

    let missing = fx.write(
        "missing.toml",
        SIMPLE_MAPPING.replace("\"title\"", "\"Titulo\""),
    );
    let err = import::run(&fx.admin, &fx.options(&missing, &file))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("incident.title") && err.contains("\"Titulo\" is not in the file's header"),
        "{err}"
    );

    let syntax = fx.write("syntax.toml", "[incident\n");
    let err = import::run(&fx.admin, &fx.options(&syntax, &file))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("syntax.toml") && err.contains("TOML"), "{err}");
    assert_eq!(fx.counts().await, (0, 0, 0));
}

#[tokio::test]
async fn only_administrators_may_import() {
    let fx = fixture().await;
    let documenter = access(&fx.store, "documenter", Role::Documenter).await;
    let mut opts = fx.options(
        &fx.write("map.toml", MAPPING),
        &fx.write("casos.csv", good_rows()),
    );
    for dry_run in [true, false] {
        opts.dry_run = dry_run;
        let err = import::run(&documenter, &opts).await.unwrap_err();
        assert!(
            matches!(
                err.downcast_ref::<StoreError>(),
                Some(StoreError::Forbidden)
            ),
            "{err:#}"
        );
    }
    assert_eq!(fx.counts().await, (0, 0, 0));
}

#[tokio::test]
async fn a_change_the_store_refuses_names_its_line_and_rolls_everything_back() {
    let fx = fixture().await;
    let mapping = fx.write("map.toml", MAPPING);
    let file = fx.write("casos.csv", good_rows());
    import::run(&fx.admin, &fx.options(&mapping, &file))
        .await
        .unwrap();

    // C-001 is verified in Vigil; a file saying "reported" cannot take it back, and
    // the correction to C-003 in the same file is not applied either.
    let changed = good_rows()
        .replace("cauca;Palma;Verificado", "cauca;Palma;Reportado")
        .replace(
            "C-003;Ataque a campamento",
            "C-003;Ataque armado a campamento",
        );
    let file = fx.write("casos-2.csv", changed);
    let report = import::run(&fx.admin, &fx.options(&mapping, &file))
        .await
        .unwrap();
    assert_eq!(report.counts, None);
    assert_eq!(report.rejected.len(), 1, "{:?}", report.rejected);
    let e = &report.rejected[0];
    assert_eq!((e.line, e.column.as_deref()), (2, Some("Estado")));
    assert!(
        e.reason
            .contains("cannot change status verified → reported"),
        "{}",
        e.reason
    );
    assert_eq!(fx.incident("C-003").await.title, "Ataque a campamento");
    assert_eq!(fx.incident("C-001").await.status, IncidentStatus::Verified);
}

/// The fenced block of `lang` that follows `after` in `docs/import.md`.
fn doc_block(after: &str, lang: &str) -> String {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/import.md"))
        .unwrap();
    let rest = &doc[doc
        .find(after)
        .unwrap_or_else(|| panic!("{after:?} in docs/import.md"))..];
    let start = rest.find(&format!("```{lang}\n")).unwrap() + lang.len() + 4;
    let len = rest[start..].find("```").unwrap();
    rest[start..start + len].to_owned()
}

#[tokio::test]
async fn the_worked_example_in_the_documentation_works() {
    let fx = fixture().await;
    let mapping = fx.write("casos.toml", doc_block("Its mapping, `casos.toml`", "toml"));
    let file = fx.write(
        "casos.csv",
        latin1(&doc_block("An organisation's spreadsheet", "csv")),
    );
    let mut opts = fx.options(&mapping, &file);
    opts.encoding = Encoding::Latin1;
    let report = import::run(&fx.admin, &opts).await.unwrap();
    assert!(report.rejected.is_empty(), "{report}");
    assert_eq!(
        report.to_string(),
        "3 rows: 3 created, 0 updated, 0 unchanged\n"
    );
    let three = fx.incident("C-003").await;
    assert_eq!(three.title, "Desalojo de la Asociación Campesina");
    assert_eq!(three.violations[0].violation_type, "raid");
    assert_eq!(
        import::run(&fx.admin, &opts).await.unwrap().to_string(),
        "3 rows: 0 created, 0 updated, 3 unchanged\n"
    );

    // The export mapping moves the records into another instance.
    let vocab = fx.admin.vocabularies().await.unwrap();
    let export = vigil_web::csv_export::incidents_csv(&fx.incidents().await, &vocab, "es");
    let other = fixture().await;
    let opts = other.options(
        &other.write(
            "export.toml",
            doc_block("with a mapping like this one", "toml"),
        ),
        &other.write("export.csv", export),
    );
    let report = import::run(&other.admin, &opts).await.unwrap();
    assert!(report.rejected.is_empty(), "{report}");
    assert_eq!(report.counts.map(|c| c.created), Some(3));
    for (a, b) in fx
        .incidents()
        .await
        .iter()
        .zip(other.incidents().await.iter())
    {
        assert_eq!(
            (&a.external_id, &a.title, &a.narrative, a.start),
            (&b.external_id, &b.title, &b.narrative, b.start)
        );
        assert_eq!(
            (&a.country, &a.region, a.status),
            (&b.country, &b.region, b.status)
        );
        let types = |i: &Incident| {
            i.violations
                .iter()
                .map(|v| v.violation_type.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(types(a), types(b));
    }
}

/// Terms an import adds go in with its rows: when the rows fail, no term stays.
#[tokio::test]
async fn terms_added_by_a_failed_import_do_not_stay() {
    let fx = fixture().await;
    let term = vigil_domain::vocab::Term {
        kind: VocabKind::PerpetratorType,
        code: "ejercito".into(),
        label_en: "Ejército".into(),
        label_es: "Ejército".into(),
        builtin: false,
        attrs: Default::default(),
    };
    let bad_row = vigil_domain::model::IncidentInput {
        title: "Sin víctima".into(),
        start_date: "2020-01-01".into(),
        country: "HN".into(),
        violations: vec![vigil_domain::model::ViolationInput {
            violation_type: "raid".into(),
            ..Default::default()
        }],
        ..Default::default()
    };
    let result = fx
        .admin
        .import_batch(std::slice::from_ref(&term), &[(Vec::new(), bad_row)])
        .await;
    assert!(matches!(result, Err(StoreError::Invalid(_))), "{result:?}");
    let vocab = fx.admin.vocabularies().await.unwrap();
    assert!(!vocab.contains(VocabKind::PerpetratorType, "ejercito"));
}

// ---------------------------------------------------------------- bulk path, both engines

mod bulk {
    //! The bulk path (`vigil import`, `vigil demo --incidents N`) against the per-row
    //! path it replaces, on SQLite and PostgreSQL: same records, codes, versions and
    //! search results; all or nothing on a large file; re-import; compartments; the
    //! demo generator's determinism.

    use std::path::PathBuf;

    use sha2::{Digest, Sha256};
    use vigil::demo::scale;
    use vigil::import::{self, ImportOptions, ImportReport};
    use vigil_domain::model::Id;
    use vigil_domain::search::{IncidentFilter, PersonFilter};
    use vigil_domain::Role;
    use vigil_store::audit::AuditFilter;
    use vigil_store::{Access, Level, StoreError};

    use crate::support::{self, backend_tests, TestDb};

    const SEED: u64 = 2017;

    /// A second, empty database of the same engine.
    async fn twin(db: &TestDb) -> TestDb {
        if db.postgres_url().is_some() {
            support::postgres().await.unwrap()
        } else {
            support::sqlite().await
        }
    }

    /// Every index of the database, with its definition: the SQLite bulk path drops
    /// secondary indexes into an empty database and must leave them as they were.
    async fn indexes(db: &TestDb) -> Vec<String> {
        let sql = if db.postgres_url().is_some() {
            "SELECT indexname || ': ' || indexdef FROM pg_indexes WHERE schemaname = current_schema() ORDER BY 1"
        } else {
            "SELECT name || ': ' || coalesce(sql, '') FROM sqlite_master WHERE type = 'index' ORDER BY 1"
        };
        let rows = db.store.backend().query(sql, &[]).await.unwrap();
        let out: Vec<String> = rows.iter().map(|r| r.text(0)).collect();
        assert!(
            out.iter().any(|l| l.starts_with("violations_type")),
            "{out:?}"
        );
        out
    }

    struct Files {
        _dir: tempfile::TempDir,
        mapping: PathBuf,
        csv: PathBuf,
    }

    impl Files {
        fn options(&self) -> ImportOptions {
            ImportOptions {
                mapping: self.mapping.clone(),
                file: self.csv.clone(),
                ..ImportOptions::default()
            }
        }

        fn rewrite(&self, f: impl Fn(usize, &mut Vec<String>)) {
            let mut r = csv::Reader::from_path(&self.csv).unwrap();
            let header = r.headers().unwrap().clone();
            let rows: Vec<Vec<String>> = r
                .records()
                .map(|x| x.unwrap().iter().map(str::to_owned).collect())
                .collect();
            let mut w = csv::Writer::from_path(&self.csv).unwrap();
            w.write_record(&header).unwrap();
            for (i, mut row) in rows.into_iter().enumerate() {
                f(i, &mut row);
                w.write_record(&row).unwrap();
            }
            w.flush().unwrap();
        }

        fn rows(&self) -> Vec<Vec<String>> {
            csv::Reader::from_path(&self.csv)
                .unwrap()
                .records()
                .map(|x| x.unwrap().iter().map(str::to_owned).collect())
                .collect()
        }
    }

    async fn demo_files(a: &Access, n: usize) -> Files {
        let dir = tempfile::tempdir().unwrap();
        let mapping = dir.path().join("demo.toml");
        let csv = dir.path().join("demo.csv");
        let today = a.rules_context().await.unwrap().1;
        scale::write_csv(std::fs::File::create(&csv).unwrap(), n, SEED, today).unwrap();
        std::fs::write(&mapping, scale::MAPPING).unwrap();
        Files {
            _dir: dir,
            mapping,
            csv,
        }
    }

    /// Everything a reader can observe of the imported records, as text.
    async fn observed(db: &TestDb, a: &Access, words: &[String]) -> Vec<String> {
        let mut out = Vec::new();
        let incidents = a
            .export_incidents(&IncidentFilter::default())
            .await
            .unwrap();
        for i in &incidents {
            out.push(format!("{i:?}"));
            for v in a.history("incident", i.id).await.unwrap() {
                let snap = db
                    .store
                    .version_snapshot("incident", i.id, v.version)
                    .await
                    .unwrap();
                out.push(format!("{v:?} {snap}"));
            }
        }
        let mut page = 1;
        loop {
            let p = a
                .persons(&PersonFilter {
                    page: Some(page),
                    ..PersonFilter::default()
                })
                .await
                .unwrap();
            for person in &p.items {
                out.push(format!("{person:?}"));
                for v in a.history("person", person.id).await.unwrap() {
                    out.push(format!("{v:?}"));
                }
            }
            if i64::from(page) * 50 >= p.total {
                break;
            }
            page += 1;
        }
        for w in words {
            let r = a
                .incidents(&IncidentFilter {
                    q: w.clone(),
                    ..IncidentFilter::default()
                })
                .await
                .unwrap();
            let ids: Vec<Id> = r.items.iter().map(|i| i.id).collect();
            out.push(format!("search {w}: {} {ids:?}", r.total));
            let p = a
                .persons(&PersonFilter {
                    q: w.clone(),
                    ..PersonFilter::default()
                })
                .await
                .unwrap();
            let ids: Vec<Id> = p.items.iter().map(|i| i.id).collect();
            out.push(format!("person search {w}: {} {ids:?}", p.total));
        }
        out.push(format!("{:?}", a.counts().await.unwrap()));
        out
    }

    /// Words to search for: public words of titles, sensitive words of narratives
    /// and names, pseudonymous codes.
    fn search_words(files: &Files) -> Vec<String> {
        let rows = files.rows();
        let mut words = vec!["HRD".to_owned(), "Cauca".to_owned()];
        for r in rows.iter().take(6) {
            words.push(r[1].split_whitespace().last().unwrap().to_owned());
            words.push(r[2].split_whitespace().nth(3).unwrap().to_owned());
            words.push(r[13].split_whitespace().last().unwrap_or("x").to_owned());
        }
        words
    }

    fn clean(r: &ImportReport) {
        assert!(r.rejected.is_empty(), "{r}");
    }

    async fn bulk_and_per_row_store_the_same(db: TestDb) {
        let other = twin(&db).await;
        let (bulk, per_row) = (
            db.access(Role::Admin).await,
            other.access(Role::Admin).await,
        );
        // More rows than a chunk (2,048): from the second chunk on, the bulk path
        // counts ids and codes on without asking, and must still give the same.
        let files = demo_files(&bulk, 2_100).await;
        let words = search_words(&files);
        let schema = indexes(&db).await;

        let a = import::run(&bulk, &files.options()).await.unwrap();
        let b = import::run_per_row(&per_row, &files.options())
            .await
            .unwrap();
        clean(&a);
        clean(&b);
        assert_eq!(indexes(&db).await, schema, "indexes built again");
        assert_eq!(indexes(&other).await, schema);
        assert_eq!(a.counts, b.counts);
        assert_eq!(a.counts.unwrap().created, 2_100);
        let seen = observed(&db, &bulk, &words).await;
        assert!(
            seen.iter().any(|l| l.contains("HRD-")),
            "codes are allocated"
        );
        assert!(
            seen.iter()
                .filter(|l| l.starts_with("search ") && !l.contains(": 0 []"))
                .count()
                >= 6,
            "searches find records"
        );
        assert_eq!(seen, observed(&other, &per_row, &words).await);
        // Into the empty database the bulk path set the tally triggers aside and
        // counted the tallies at the end; the per-row path's triggers kept them.
        let tallies = crate::stats::tally_cells(&db).await;
        assert!(!tallies.is_empty());
        assert_eq!(tallies, crate::stats::tally_cells(&other).await);
        if db.postgres_url().is_some() {
            // The import gathered the planner's statistics of what it loaded
            // (a table never analysed or vacuumed has -1 tuples in `pg_class`).
            let rows = db
                .store
                .backend()
                .query(
                    "SELECT relname::text, reltuples::bigint FROM pg_class WHERE relname IN ('incidents', 'persons', 'versions', 'incident_tally') ORDER BY 1",
                    &[],
                )
                .await
                .unwrap();
            let planned: Vec<(String, i64)> = rows.iter().map(|r| (r.text(0), r.int(1))).collect();
            assert_eq!(planned.len(), 4, "{planned:?}");
            assert!(
                planned.iter().all(|(_, n)| *n > 0),
                "statistics gathered: {planned:?}"
            );
            assert!(
                planned.iter().any(|(t, n)| t == "incidents" && *n == 2_100),
                "{planned:?}"
            );
        }

        // A corrected file: some titles and statuses change, the rest stays.
        files.rewrite(|i, row| {
            if i % 40 == 3 {
                row[1] = format!("{} (corrected)", row[1]);
            }
            if i % 10 == 7 && row[11] == "reported" {
                row[11] = "under_verification".into();
            }
        });
        let a = import::run(&bulk, &files.options()).await.unwrap();
        let b = import::run_per_row(&per_row, &files.options())
            .await
            .unwrap();
        clean(&a);
        assert_eq!(a.counts, b.counts);
        let c = a.counts.unwrap();
        assert_eq!((c.created, c.updated + c.unchanged), (0, 2_100));
        assert!(c.updated >= 6, "{c:?}");
        assert_eq!(
            observed(&db, &bulk, &words).await,
            observed(&other, &per_row, &words).await
        );
        // The triggers are back after the first import: the updates are counted.
        assert_ne!(crate::stats::tally_cells(&db).await, tallies);
        assert_eq!(
            crate::stats::tally_cells(&db).await,
            crate::stats::tally_cells(&other).await
        );
    }

    async fn reimport_changes_nothing_and_one_entry_names_the_file(db: TestDb) {
        let admin = db.access(Role::Admin).await;
        let files = demo_files(&admin, 300).await;
        let first = import::run(&admin, &files.options()).await.unwrap();
        clean(&first);
        let before = observed(&db, &admin, &[]).await;
        let again = import::run(&admin, &files.options()).await.unwrap();
        clean(&again);
        let c = again.counts.unwrap();
        assert_eq!((c.created, c.updated, c.unchanged), (0, 0, 300));
        assert_eq!(observed(&db, &admin, &[]).await, before, "no new version");

        let log = admin
            .audit_log(
                &AuditFilter {
                    action: "import".into(),
                    ..AuditFilter::default()
                },
                1,
            )
            .await
            .unwrap();
        assert_eq!(log.total, 2, "one entry per import, not per row");
        let sha = hex::encode(Sha256::digest(std::fs::read(&files.csv).unwrap()));
        let d: serde_json::Value = serde_json::from_str(&log.items[0].detail).unwrap();
        assert_eq!(d["sha256"], sha.as_str());
        assert_eq!(d["unchanged"], 300);
        assert!(d["file"].as_str().unwrap().ends_with("demo.csv"));
        let d: serde_json::Value = serde_json::from_str(&log.items[1].detail).unwrap();
        assert_eq!(d["created"], 300);
        assert!(admin.verify_audit().await.unwrap().intact());
    }

    /// Rows are written while the file is still being read (chunks of 2,000): a bad
    /// row far down must still leave nothing behind, and be named by its line.
    async fn a_bad_row_deep_in_a_large_file_leaves_nothing(db: TestDb) {
        let admin = db.access(Role::Admin).await;
        let files = demo_files(&admin, 5_000).await;
        // Line K = row index + 2 (the header is line 1).
        files.rewrite(|i, row| {
            if i == 4_498 {
                row[3] = "31/02/2020".into();
            }
        });
        let r = import::run(&admin, &files.options()).await.unwrap();
        assert_eq!(r.rejected.len(), 1, "{r}");
        assert_eq!(r.rejected[0].line, 4_500);
        assert_eq!(r.rejected[0].column.as_deref(), Some("start_date"));
        assert!(r.counts.is_none());
        assert_eq!(db.counts().await, (0, 0, 0));
    }

    /// A row the store refuses after earlier chunks were written (a victim's external
    /// id taken in a compartment the importer cannot see): everything rolls back.
    async fn a_row_the_store_refuses_late_rolls_back_every_chunk(db: TestDb) {
        let admin = db.access(Role::Admin).await;
        let files = demo_files(&admin, 5_000).await;
        let rows = files.rows();
        let (k, victim) = rows
            .iter()
            .enumerate()
            .skip(4_300)
            .find(|(i, r)| !rows[..*i].iter().any(|p| p[12] == r[12]))
            .map(|(i, r)| (i, r[12].clone()))
            .unwrap();
        let other = db.access(Role::Admin).await;
        let hidden = other.create_compartment("Hidden").await.unwrap();
        other.join_compartment(hidden).await.unwrap();
        let mut p = support::defender("Somebody Else");
        p.external_id = victim.clone();
        other
            .clone()
            .in_compartment(hidden)
            .create_person(&p)
            .await
            .unwrap();
        let before = db.counts().await;
        let schema = indexes(&db).await;

        let r = import::run(&admin, &files.options()).await.unwrap();
        assert_eq!(indexes(&db).await, schema, "dropped indexes come back");
        assert_eq!(r.rejected.len(), 1, "{r}");
        assert_eq!(r.rejected[0].line, k as u64 + 2, "{r}");
        assert!(r.rejected[0].reason.contains(&victim), "{r}");
        assert_eq!(
            db.counts().await,
            before,
            "nothing of the earlier chunks stays"
        );
        let (i, _, _) = admin.counts().await.unwrap();
        assert_eq!(i, 0);
    }

    async fn rows_go_to_the_chosen_compartment(db: TestDb) {
        let admin = db.access(Role::Admin).await;
        let c = admin.create_compartment("Partner archive").await.unwrap();
        admin.join_compartment(c).await.unwrap();
        let files = demo_files(&admin, 120).await;
        let r = import::run(&admin.clone().in_compartment(c), &files.options())
            .await
            .unwrap();
        clean(&r);
        let outsider = db.access(Role::Documenter).await;
        assert_eq!(outsider.counts().await.unwrap().0, 0);
        let word = files.rows()[0][1]
            .split_whitespace()
            .last()
            .unwrap()
            .to_owned();
        let found = outsider
            .incidents(&IncidentFilter {
                q: word.clone(),
                ..IncidentFilter::default()
            })
            .await
            .unwrap();
        assert_eq!(found.total, 0, "search stays inside compartments");
        admin
            .add_member(c, outsider.actor().user_id, Level::Full)
            .await
            .unwrap();
        assert_eq!(outsider.counts().await.unwrap().0, 120);
        let found = outsider
            .incidents(&IncidentFilter {
                q: word,
                ..IncidentFilter::default()
            })
            .await
            .unwrap();
        assert!(found.total >= 1);
        // Not a member, not a target.
        let elsewhere = db.access(Role::Admin).await;
        let r = import::run(&elsewhere.in_compartment(c), &files.options()).await;
        assert!(
            r.is_err(),
            "writing into a compartment one is not in is refused"
        );
    }

    backend_tests!(
        bulk_and_per_row_store_the_same,
        reimport_changes_nothing_and_one_entry_names_the_file,
        a_bad_row_deep_in_a_large_file_leaves_nothing,
        a_row_the_store_refuses_late_rolls_back_every_chunk,
        rows_go_to_the_chosen_compartment,
        a_refusal_reported_a_chunk_later_names_its_own_chunk,
    );

    #[tokio::test]
    async fn demo_generation_is_deterministic_for_a_seed() {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
        let gen = |seed| {
            let mut out = Vec::new();
            scale::write_csv(&mut out, 2_000, seed, today).unwrap();
            out
        };
        let (a, b, c) = (gen(1), gen(1), gen(2));
        assert_eq!(a, b);
        assert_ne!(a, c);
        // Realistic spread: every violation type, several countries and statuses,
        // victims reused across incidents, partial dates, a large vocabulary.
        let text = String::from_utf8(a).unwrap();
        let mut r = csv::Reader::from_reader(text.as_bytes());
        let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
        let distinct = |col: usize| {
            rows.iter()
                .map(|r| r[col].to_owned())
                .collect::<std::collections::BTreeSet<_>>()
        };
        let types: std::collections::BTreeSet<String> = rows
            .iter()
            .flat_map(|r| r[21].split(';').map(str::to_owned).collect::<Vec<_>>())
            .collect();
        assert_eq!(types.len(), 20, "{types:?}");
        assert!(distinct(5).len() >= 20);
        assert_eq!(distinct(11).len(), 5);
        assert!(
            distinct(12).len() < rows.len() * 3 / 4,
            "victims are reused"
        );
        assert!(rows.iter().any(|r| r[3].len() == 7) && rows.iter().any(|r| r[3].len() == 4));
        let words: std::collections::BTreeSet<&str> =
            rows.iter().flat_map(|r| r[2].split_whitespace()).collect();
        assert!(words.len() > 2_000, "{}", words.len());
        // The whole file imports cleanly (dry run: no database needed).
        let map = scale::MAPPING;
        let report =
            import::check_bytes(map, text.as_bytes(), import::Encoding::Utf8, false, today)
                .unwrap();
        assert!(report.rejected.is_empty(), "{report}");
        assert_eq!(report.rows, 2_000);
    }

    #[tokio::test]
    async fn demo_scale_writes_straight_into_a_store() {
        let db = support::sqlite().await;
        let admin = db.access(Role::Admin).await;
        let r = vigil::demo::seed_scale(&admin, 1_500, SEED, false)
            .await
            .unwrap();
        assert_eq!(r.counts.unwrap().created, 1_500);
        assert_eq!(admin.counts().await.unwrap().0, 1_500);
        assert!(
            vigil::demo::seed_scale(&admin, 10, SEED, false)
                .await
                .is_err(),
            "only into an empty store"
        );
    }

    /// The bulk import writes a chunk while the caller reads and the store builds
    /// the next, so a statement the database refuses is reported by a later call.
    /// It must still name a row of its own chunk, counted from the import's first
    /// row, and leave nothing behind. The refusal (a unique violation, as when
    /// another writer took an external id meanwhile) comes from a trigger the test
    /// puts on the incidents.
    async fn a_refusal_reported_a_chunk_later_names_its_own_chunk(db: TestDb) {
        let engine = db.store.backend().clone();
        let mut tx = engine.begin().await.unwrap();
        tx.execute("CREATE TABLE refuse_probe (x INTEGER UNIQUE)", &[])
            .await
            .unwrap();
        tx.execute("INSERT INTO refuse_probe (x) VALUES (1)", &[])
            .await
            .unwrap();
        if db.postgres_url().is_some() {
            tx.execute(
                "CREATE FUNCTION refuse_e4() RETURNS trigger AS $$ BEGIN
                 IF NEW.external_id = 'E-4' THEN INSERT INTO refuse_probe (x) VALUES (1); END IF;
                 RETURN NEW; END $$ LANGUAGE plpgsql",
                &[],
            )
            .await
            .unwrap();
            tx.execute(
                "CREATE TRIGGER refuse_e4 BEFORE INSERT ON incidents FOR EACH ROW EXECUTE FUNCTION refuse_e4()",
                &[],
            )
            .await
            .unwrap();
        } else {
            tx.execute(
                "CREATE TRIGGER refuse_e4 BEFORE INSERT ON incidents WHEN NEW.external_id = 'E-4'
                 BEGIN INSERT INTO refuse_probe (x) VALUES (1); END",
                &[],
            )
            .await
            .unwrap();
        }
        tx.commit().await.unwrap();

        let admin = db.access(Role::Admin).await;
        let person = support::valid_person(&admin, &support::defender("Rosa Chávez")).await;
        let rows = |from: usize| -> Vec<_> {
            (from..from + 3)
                .map(|i| {
                    let ext = format!("E-{i}");
                    let mut inc = support::simple_incident(&ext, "2024-03-01", 0);
                    inc.external_id = ext;
                    (vec![person.clone()], inc)
                })
                .collect()
        };
        let mut bulk = admin.bulk_import().await.unwrap();
        bulk.write(&[], &rows(0)).await.unwrap();
        let refused = match bulk.write(&[], &rows(3)).await {
            Err(e) => e,
            Ok(()) => match bulk.write(&[], &rows(6)).await {
                Err(e) => e,
                Ok(()) => bulk.settle().await.unwrap_err(),
            },
        };
        let StoreError::Invalid(fe) = refused else {
            panic!("a row error, not {refused:?}")
        };
        assert_eq!(fe.0[0].key, "err-import-row", "{fe:?}");
        assert_eq!(
            fe.0[0].field, "rows[3]",
            "the second chunk's first row: {fe:?}"
        );
        assert!(
            fe.0.iter().any(|e| e.key == "err-external-id-taken"),
            "{fe:?}"
        );
        drop(bulk);
        assert_eq!(admin.counts().await.unwrap().0, 0, "nothing stays");
        assert_eq!(db.counts().await.0, 0);
    }
}
