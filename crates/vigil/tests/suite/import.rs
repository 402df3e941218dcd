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
