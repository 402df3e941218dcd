//! Demo data: a realistic, entirely synthetic set of persons, groups and incidents,
//! written through the authorising layer ([`Access`]) so that every record passes the
//! same validation as one typed by a documenter.
//!
//! Every name is invented. Places are real first-level regions (as listed by the
//! country table) and real towns, so that maps and counts by region look like a real
//! deployment; the events are not.
//!
//! The output depends only on the seed and on the store's clock ("today" bounds every
//! date): the same seed against the same clock gives the same records in the same order.

use std::collections::BTreeSet;

use anyhow::Context;
use chrono::{Datelike, Duration, NaiveDate};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

use vigil_domain::model::{
    independent_sources, GroupInput, Id, IncidentInput, IncidentStatus, PartialDate,
    PerpetratorInput, PersonInput, PersonKind, Precision, PublishConsent, SourceInput, VictimRef,
    ViolationInput,
};
use vigil_store::Access;

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoOptions {
    /// Number of incidents, the two journey incidents included.
    pub incidents: usize,
    /// Seed of the generator: the same seed gives the same data.
    pub seed: u64,
}

impl Default for DemoOptions {
    fn default() -> Self {
        Self {
            incidents: 300,
            seed: 2015,
        }
    }
}

/// What was created.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DemoSummary {
    pub persons: usize,
    pub groups: usize,
    pub incidents: usize,
}

pub mod cases;
pub mod public;
pub mod scale;

/// Above this many incidents `vigil demo` uses the scale generator ([`scale`]) and
/// the bulk import; up to it, the curated generator below (journeys, groups,
/// relatives, narratives written as a documenter would).
pub const CURATED_LIMIT: usize = 1_000;

/// Fill an empty store with `incidents` synthetic incidents from the scale generator,
/// through the bulk import path (`vigil import`'s): the CSV is written to a temporary
/// file, imported in one transaction, and removed. Returns the import's report.
pub async fn seed_scale(
    access: &Access,
    incidents: usize,
    seed: u64,
    progress: bool,
) -> anyhow::Result<crate::import::ImportReport> {
    let (i, p, g) = access.counts().await.context("counting existing records")?;
    if i + p + g > 0 {
        anyhow::bail!(
            "the store already holds records ({i} incidents, {p} persons, {g} groups); demo data goes into an empty store"
        );
    }
    let (_, today) = access
        .rules_context()
        .await
        .context("reading today's date from the store")?;
    let dir = tempfile::tempdir().context("creating a temporary directory")?;
    let csv = dir.path().join("demo.csv");
    let map = dir.path().join("demo.toml");
    let file = std::fs::File::create(&csv).context("creating the demo CSV")?;
    scale::write_csv(file, incidents, seed, today)?;
    std::fs::write(&map, scale::MAPPING).context("writing the demo mapping")?;
    let report = crate::import::run(
        access,
        &crate::import::ImportOptions {
            mapping: map,
            file: csv,
            progress,
            ..crate::import::ImportOptions::default()
        },
    )
    .await?;
    if !report.rejected.is_empty() {
        anyhow::bail!("the demo generator wrote rows the import rejects:\n{report}");
    }
    Ok(report)
}

/// Write `incidents` rows of the scale generator to `csv` and its mapping to `map`
/// ("today" is the system date: the dates depend on it).
pub fn write_scale_csv(
    csv: &std::path::Path,
    map: &std::path::Path,
    incidents: usize,
    seed: u64,
) -> anyhow::Result<()> {
    let today = vigil_domain::Clock::now(&vigil_domain::SystemClock).date_naive();
    let file =
        std::fs::File::create(csv).with_context(|| format!("cannot create {}", csv.display()))?;
    scale::write_csv(file, incidents, seed, today)?;
    std::fs::write(map, scale::MAPPING)
        .with_context(|| format!("cannot write {}", map.display()))?;
    Ok(())
}

/// Fill an empty store with realistic synthetic records through the authorising layer.
///
/// `access` must be allowed to write (an administrator's, normally). Refuses a store
/// that already holds incidents, persons or groups, so demo records never mix with
/// real ones.
pub async fn seed(access: &Access, opts: &DemoOptions) -> anyhow::Result<DemoSummary> {
    let (incidents, persons, groups) =
        access.counts().await.context("counting existing records")?;
    if incidents + persons + groups > 0 {
        anyhow::bail!(
            "the store already holds records ({incidents} incidents, {persons} persons, {groups} groups); demo data goes into an empty store"
        );
    }
    let (_, today) = access
        .rules_context()
        .await
        .context("reading today's date from the store")?;
    let mut g = Gen::new(access, opts.seed, today);
    g.create_groups().await?;
    if opts.incidents >= 1 {
        g.journey_killing().await?;
    }
    if opts.incidents >= 2 {
        g.journey_detention().await?;
    }
    // The public portal (journey 3): a release frozen before the last killings are
    // documented, then revised; only in a demo large enough to spare them.
    let late = if opts.incidents >= 20 {
        public::LATE_KILLINGS
    } else {
        0
    };
    while g.summary.incidents < opts.incidents - late {
        g.random_incident().await?;
    }
    cases::seed_cases(access, today).await?;
    let release = if late > 0 {
        g.freeze_release().await?
    } else {
        None
    };
    for _ in 0..late {
        g.late_killing().await?;
    }
    if let Some(id) = release {
        g.revise_release(id).await?;
    }
    g.publish_alert().await?;
    Ok(g.summary)
}

// ====================================================================== reference text

type Texts = &'static [&'static str];

const NONE: Texts = &[];

/// A kind of defender: what they are, what they defend, how a headline names them.
struct Profile {
    key: &'static str,
    characteristics: Texts,
    sectors: Texts,
    sdg: &'static str,
    role_en: &'static str,
    role_es_m: &'static str,
    role_es_f: &'static str,
    /// What they did, after "Name, a 43-year-old {role},".
    work_en: &'static str,
    work_es: &'static str,
    /// Belongs to a community rather than an organisation.
    community: bool,
}

const PROFILES: &[Profile] = &[
    Profile {
        key: "indigenous",
        characteristics: &["indigenous", "community_leader"],
        sectors: &["indigenous_rights", "land_territory", "environment"],
        sdg: "human_rights_defender",
        role_en: "indigenous leader",
        role_es_m: "líder indígena",
        role_es_f: "lideresa indígena",
        work_en: "coordinated the indigenous guard and the community's claim to a collective land title",
        work_es: "coordinaba la guardia indígena y el trámite del título colectivo de la comunidad",
        community: true,
    },
    Profile {
        key: "afro",
        characteristics: &["afro_descendant", "community_leader"],
        sectors: &["land_territory", "minority_rights"],
        sdg: "human_rights_defender",
        role_en: "Afro-descendant community leader",
        role_es_m: "líder afrodescendiente",
        role_es_f: "lideresa afrodescendiente",
        work_en: "represented the community council in negotiations over its collective title",
        work_es: "representaba al consejo comunitario en la negociación de su título colectivo",
        community: true,
    },
    Profile {
        key: "farmer",
        characteristics: &["small_scale_farmer", "community_leader"],
        sectors: &["land_territory", "environment"],
        sdg: "human_rights_defender",
        role_en: "peasant leader",
        role_es_m: "líder campesino",
        role_es_f: "lideresa campesina",
        work_en: "led a cooperative of small-scale farmers seeking the restitution of their land",
        work_es: "dirigía una cooperativa campesina que reclama la restitución de sus tierras",
        community: true,
    },
    Profile {
        key: "ranger",
        characteristics: &["park_ranger"],
        sectors: &["environment"],
        sdg: "human_rights_defender",
        role_en: "park ranger",
        role_es_m: "guardaparques",
        role_es_f: "guardaparques",
        work_en: "patrolled the protected area and reported poaching and illegal logging",
        work_es: "patrullaba el área protegida y denunciaba la caza furtiva y la tala ilegal",
        community: false,
    },
    Profile {
        key: "lawyer",
        characteristics: &["lawyer"],
        sectors: &["legal", "civil_political"],
        sdg: "human_rights_defender",
        role_en: "human rights lawyer",
        role_es_m: "abogado de derechos humanos",
        role_es_f: "abogada de derechos humanos",
        work_en: "represented communities in land cases and in criminal cases brought against their leaders",
        work_es: "representaba a comunidades en procesos de tierras y en causas penales contra sus dirigentes",
        community: false,
    },
    Profile {
        key: "journalist",
        characteristics: &["journalist"],
        sectors: &["journalism_media", "anti_corruption"],
        sdg: "journalist",
        role_en: "journalist",
        role_es_m: "periodista",
        role_es_f: "periodista",
        work_en: "had published investigations into corruption in public contracts and into local armed groups",
        work_es: "había publicado investigaciones sobre corrupción en la contratación pública y sobre grupos armados locales",
        community: false,
    },
    Profile {
        key: "unionist",
        characteristics: &["trade_unionist"],
        sectors: &["labour_rights"],
        sdg: "trade_unionist",
        role_en: "trade unionist",
        role_es_m: "sindicalista",
        role_es_f: "sindicalista",
        work_en: "led a union organising plantation and mine workers",
        work_es: "dirigía un sindicato de trabajadores de plantaciones y minas",
        community: false,
    },
    Profile {
        key: "student",
        characteristics: &["student"],
        sectors: &["civil_political"],
        sdg: "human_rights_defender",
        role_en: "student leader",
        role_es_m: "líder estudiantil",
        role_es_f: "lideresa estudiantil",
        work_en: "had organised student protests against cuts to public education",
        work_es: "había organizado protestas estudiantiles contra los recortes a la educación pública",
        community: false,
    },
    Profile {
        key: "religious",
        characteristics: &["religious_leader"],
        sectors: &["migrants_rights", "land_territory"],
        sdg: "human_rights_defender",
        role_en: "church worker",
        role_es_m: "agente pastoral",
        role_es_f: "agente pastoral",
        work_en: "ran a parish shelter for displaced families",
        work_es: "coordinaba un albergue parroquial para familias desplazadas",
        community: false,
    },
    Profile {
        key: "lgbti",
        characteristics: &["lgbti"],
        sectors: &["lgbti_rights", "health"],
        sdg: "human_rights_defender",
        role_en: "LGBTI rights activist",
        role_es_m: "activista LGBTI",
        role_es_f: "activista LGBTI",
        work_en: "ran a community health project for LGBTI people",
        work_es: "dirigía un proyecto comunitario de salud para personas LGBTI",
        community: false,
    },
    Profile {
        key: "women",
        characteristics: &["community_leader"],
        sectors: &["womens_rights"],
        sdg: "human_rights_defender",
        role_en: "women's rights defender",
        role_es_m: "defensor de los derechos de las mujeres",
        role_es_f: "defensora de los derechos de las mujeres",
        work_en: "accompanied survivors of gender-based violence",
        work_es: "acompañaba a sobrevivientes de violencia de género",
        community: false,
    },
    Profile {
        key: "migrant",
        characteristics: &["migrant"],
        sectors: &["migrants_rights"],
        sdg: "human_rights_defender",
        role_en: "migrants' rights defender",
        role_es_m: "defensor de personas migrantes",
        role_es_f: "defensora de personas migrantes",
        work_en: "ran a shelter for migrants in transit",
        work_es: "coordinaba un albergue para personas migrantes en tránsito",
        community: false,
    },
    Profile {
        key: "disability",
        characteristics: &["person_with_disability"],
        sectors: &["health", "civil_political"],
        sdg: "human_rights_defender",
        role_en: "disability rights activist",
        role_es_m: "activista por los derechos de las personas con discapacidad",
        role_es_f: "activista por los derechos de las personas con discapacidad",
        work_en: "campaigned for access to health services for people with disabilities",
        work_es: "impulsaba el acceso a servicios de salud para personas con discapacidad",
        community: false,
    },
    Profile {
        key: "housing",
        characteristics: &["community_leader"],
        sectors: &["housing"],
        sdg: "human_rights_defender",
        role_en: "housing rights activist",
        role_es_m: "líder por el derecho a la vivienda",
        role_es_f: "lideresa por el derecho a la vivienda",
        work_en: "led a neighbourhood committee resisting forced evictions",
        work_es: "lideraba un comité barrial contra los desalojos forzosos",
        community: false,
    },
    Profile {
        key: "environmental",
        characteristics: NONE,
        sectors: &["environment"],
        sdg: "human_rights_defender",
        role_en: "environmental defender",
        role_es_m: "defensor ambiental",
        role_es_f: "defensora ambiental",
        work_en: "campaigned to protect the watershed that supplies {place}",
        work_es: "promovía la protección de la cuenca que abastece a {place}",
        community: false,
    },
];

/// What a defender had opposed, by business sector.
const SECTOR_CONTEXT: &[(&str, Texts, Texts)] = &[
    (
        "mining",
        &[
            "had opposed the expansion of an open-pit gold mine near {place}",
            "had denounced the pollution of local rivers by mine tailings",
        ],
        &[
            "se oponía a la ampliación de una mina de oro a cielo abierto cerca de {place}",
            "había denunciado la contaminación de los ríos de la zona por relaves mineros",
        ],
    ),
    (
        "agribusiness",
        &[
            "had led the community's claim to land occupied by sugar cane and oil palm plantations",
            "had denounced the fencing of communal land by a large agribusiness estate",
        ],
        &[
            "encabezaba la reclamación de la comunidad sobre tierras ocupadas por plantaciones de caña y palma aceitera",
            "había denunciado el cercamiento de tierras comunales por parte de una gran hacienda agroindustrial",
        ],
    ),
    (
        "logging",
        &[
            "had reported illegal logging in the community forest to the environmental authorities",
            "had organised forest patrols against illegal loggers",
        ],
        &[
            "había denunciado ante la autoridad ambiental la tala ilegal en el bosque comunal",
            "organizaba patrullajes contra la tala ilegal en el territorio",
        ],
    ),
    (
        "hydropower",
        &[
            "had opposed a hydroelectric dam that would flood farmland along the river",
            "had demanded prior consultation on a dam planned upstream of {place}",
        ],
        &[
            "se oponía a una represa hidroeléctrica que inundaría tierras de cultivo a orillas del río",
            "exigía la consulta previa sobre una represa proyectada aguas arriba de {place}",
        ],
    ),
    (
        "oil_gas",
        &[
            "had documented oil spills affecting fishing and drinking water",
            "had opposed seismic exploration on ancestral territory",
        ],
        &[
            "había documentado derrames de petróleo que afectan la pesca y el agua potable",
            "se oponía a la exploración sísmica en territorio ancestral",
        ],
    ),
    (
        "infrastructure",
        &[
            "had organised opposition to a highway project crossing the community's land",
            "had challenged the evictions ordered for a port expansion",
        ],
        &[
            "organizaba la oposición a un proyecto de carretera que atraviesa las tierras de la comunidad",
            "había impugnado los desalojos ordenados para la ampliación de un puerto",
        ],
    ),
    (
        "renewable_energy",
        &[
            "had demanded consultation on a wind farm built on communal land",
            "had denounced the lease of community land for a solar park",
        ],
        &[
            "exigía la consulta sobre un parque eólico construido en tierras comunales",
            "había denunciado el arrendamiento de tierras comunales para un parque solar",
        ],
    ),
    (
        "fishing",
        &[
            "had defended artisanal fishers against industrial trawlers",
            "had denounced the privatisation of the coastline",
        ],
        &[
            "defendía a los pescadores artesanales frente a los barcos industriales",
            "había denunciado la privatización de la franja costera",
        ],
    ),
    (
        "tourism",
        &[
            "had opposed a resort development on ancestral coastal land",
            "had denounced the eviction of families for a tourism project",
        ],
        &[
            "se oponía a un complejo turístico en tierras costeras ancestrales",
            "había denunciado el desalojo de familias para un proyecto turístico",
        ],
    ),
];

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Who {
    /// The same victim.
    Same,
    /// A relative of the victim (a colleague when the victim is a group).
    Relative,
    /// Another defender, of the victim's group when there is one.
    Colleague,
    /// A witness of the events.
    Witness,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum After {
    Lethal,
    Legal,
    Other,
}

/// One violation type, with the words to tell it.
struct Kind {
    code: &'static str,
    weight: u32,
    /// May be committed against a group.
    group_ok: bool,
    /// Usually committed against a group.
    prefer_group: bool,
    /// Types of group it fits (empty: any).
    group_kinds: Texts,
    perps: Texts,
    title_en: Texts,
    title_es: Texts,
    group_title_en: Texts,
    group_title_es: Texts,
    many_title_en: Texts,
    many_title_es: Texts,
    what_en: Texts,
    what_es: Texts,
    group_what_en: Texts,
    group_what_es: Texts,
    many_what_en: Texts,
    many_what_es: Texts,
    outcome_en: Texts,
    outcome_es: Texts,
    follow: &'static [(&'static str, Who)],
    after: After,
    /// Days after the start when the events ended (detentions, kidnappings).
    end_days: Option<(i64, i64)>,
    /// Victims are mostly women.
    mostly_women: bool,
}

const KINDS: &[Kind] = &[
    Kind {
        code: "killing",
        weight: 10,
        group_ok: false,
        prefer_group: false,
        group_kinds: NONE,
        perps: &["hired_killers", "armed_group", "paramilitary", "organised_crime", "unknown", "police", "military", "private_security", "landowners"],
        title_en: &["{role} shot dead near {place}", "{role} killed in {place}, {region}", "{role} murdered outside home in {place}"],
        title_es: &["Asesinan a {role} en {place}", "{role} asesinad{o} a tiros cerca de {place}", "Matan a {role} en zona rural de {place}"],
        group_title_en: NONE,
        group_title_es: NONE,
        many_title_en: &["{n} community leaders killed in attack in {place}"],
        many_title_es: &["Asesinan a {n} líderes comunitarios en {place}"],
        what_en: &[
            "{when}, {victim} was shot several times by two men on a motorcycle near {place}, {region}.",
            "{when}, {victim} was found dead with gunshot wounds on a rural road outside {place}.",
        ],
        what_es: &[
            "{when}, {victim} fue atacad{o} a tiros por dos hombres que se movilizaban en motocicleta cerca de {place}, {region}.",
            "{when}, {victim} fue hallad{o} sin vida y con heridas de bala en un camino rural de {place}.",
        ],
        group_what_en: NONE,
        group_what_es: NONE,
        many_what_en: &["{when}, {victims} were shot dead by armed men who burst into a community meeting near {place}."],
        many_what_es: &["{when}, {victims} fueron asesinados por hombres armados que irrumpieron en una reunión comunitaria cerca de {place}."],
        outcome_en: &["Died at the scene", "Died in hospital hours later"],
        outcome_es: &["Murió en el lugar", "Murió horas después en el hospital"],
        follow: &[("death_threat", Who::Relative), ("attempted_killing", Who::Colleague), ("threat", Who::Witness)],
        after: After::Lethal,
        end_days: None,
        mostly_women: false,
    },
    Kind {
        code: "attempted_killing",
        weight: 5,
        group_ok: false,
        prefer_group: false,
        group_kinds: NONE,
        perps: &["hired_killers", "armed_group", "unknown", "private_security", "organised_crime"],
        title_en: &["{role} survives assassination attempt in {place}", "Gunmen open fire on {role} in {place}"],
        title_es: &["{role} sobrevive a atentado en {place}", "Atentan contra la vida de {role} en {place}"],
        group_title_en: NONE,
        group_title_es: NONE,
        many_title_en: NONE,
        many_title_es: NONE,
        what_en: &[
            "{when}, unidentified gunmen fired at the vehicle carrying {victim} on the road to {place}.",
            "{when}, {victim} was shot and wounded outside the family home in {place}.",
        ],
        what_es: &[
            "{when}, hombres armados sin identificar dispararon contra el vehículo en que se movilizaba {victim} en la vía hacia {place}.",
            "{when}, {victim} resultó herid{o} de bala frente a su vivienda en {place}.",
        ],
        group_what_en: NONE,
        group_what_es: NONE,
        many_what_en: NONE,
        many_what_es: NONE,
        outcome_en: &["Survived with gunshot wounds", "Unharmed; bodyguard wounded"],
        outcome_es: &["Sobrevivió con heridas de bala", "Sin lesiones; su escolta resultó herido"],
        follow: &[("death_threat", Who::Same), ("threat", Who::Relative)],
        after: After::Lethal,
        end_days: None,
        mostly_women: false,
    },
    Kind {
        code: "enforced_disappearance",
        weight: 3,
        group_ok: false,
        prefer_group: false,
        group_kinds: NONE,
        perps: &["military", "police", "paramilitary"],
        title_en: &["{role} missing after detention by security forces in {place}", "Enforced disappearance of {role} in {region}"],
        title_es: &["Desaparecid{o} {role} tras ser detenid{o} por uniformados en {place}", "Denuncian desaparición forzada de {role} en {region}"],
        group_title_en: NONE,
        group_title_es: NONE,
        many_title_en: NONE,
        many_title_es: NONE,
        what_en: &["{when}, {victim} was taken from a checkpoint near {place} by armed men in uniform; the authorities deny any record of the detention."],
        what_es: &["{when}, {victim} fue sacad{o} de un retén cerca de {place} por hombres armados y uniformados; las autoridades niegan tener registro de la detención."],
        group_what_en: NONE,
        group_what_es: NONE,
        many_what_en: NONE,
        many_what_es: NONE,
        outcome_en: &["Whereabouts unknown", "Body found weeks later"],
        outcome_es: &["Se desconoce su paradero", "Su cuerpo fue hallado semanas después"],
        follow: &[("torture", Who::Same), ("threat", Who::Relative)],
        after: After::Lethal,
        end_days: None,
        mostly_women: false,
    },
    Kind {
        code: "kidnapping",
        weight: 3,
        group_ok: false,
        prefer_group: false,
        group_kinds: NONE,
        perps: &["armed_group", "organised_crime", "unknown"],
        title_en: &["{role} kidnapped by armed group in {region}", "{role} abducted on the road to {place}"],
        title_es: &["Secuestran a {role} en {region}", "{role} secuestrad{o} en la vía a {place}"],
        group_title_en: NONE,
        group_title_es: NONE,
        many_title_en: NONE,
        many_title_es: NONE,
        what_en: &[
            "{when}, {victim} was abducted by members of an armed group while travelling to {place}.",
            "{when}, armed men forced {victim} into a vehicle in {place} and held the defender for several days.",
        ],
        what_es: &[
            "{when}, {victim} fue secuestrad{o} por integrantes de un grupo armado cuando se desplazaba hacia {place}.",
            "{when}, hombres armados obligaron a {victim} a subir a un vehículo en {place} y l{o} retuvieron durante varios días.",
        ],
        group_what_en: NONE,
        group_what_es: NONE,
        many_what_en: NONE,
        many_what_es: NONE,
        outcome_en: &["Released after negotiations", "Released after a humanitarian mission intervened", "Still held"],
        outcome_es: &["Liberad{o} tras negociaciones", "Liberad{o} tras la intervención de una misión humanitaria", "Permanece en cautiverio"],
        follow: &[("torture", Who::Same), ("killing", Who::Same)],
        after: After::Lethal,
        end_days: Some((2, 40)),
        mostly_women: false,
    },
    Kind {
        code: "torture",
        weight: 2,
        group_ok: false,
        prefer_group: false,
        group_kinds: NONE,
        perps: &["police", "military", "armed_group"],
        title_en: &["{role} tortured in custody in {place}", "{role} reports torture after arrest in {region}"],
        title_es: &["Denuncian torturas contra {role} en {place}", "{role} torturad{o} bajo custodia en {region}"],
        group_title_en: NONE,
        group_title_es: NONE,
        many_title_en: NONE,
        many_title_es: NONE,
        what_en: &["{when}, {victim} was beaten, suffocated with a plastic bag and threatened with death during an interrogation in {place}."],
        what_es: &["{when}, {victim} fue golpead{o}, asfixiad{o} con una bolsa plástica y amenazad{o} de muerte durante un interrogatorio en {place}."],
        group_what_en: NONE,
        group_what_es: NONE,
        many_what_en: NONE,
        many_what_es: NONE,
        outcome_en: &["A medical examination confirmed the injuries", "Hospitalised for a week"],
        outcome_es: &["Un examen médico confirmó las lesiones", "Hospitalizad{o} durante una semana"],
        follow: &[("arbitrary_detention", Who::Same)],
        after: After::Lethal,
        end_days: None,
        mostly_women: false,
    },
    Kind {
        code: "physical_attack",
        weight: 7,
        group_ok: false,
        prefer_group: false,
        group_kinds: NONE,
        perps: &["police", "private_security", "community_members", "unknown", "company", "landowners"],
        title_en: &["{role} beaten during land eviction in {place}", "{role} attacked while documenting land fencing near {place}"],
        title_es: &["{role} golpead{o} durante un desalojo en {place}", "Agreden a {role} cuando documentaba el cercamiento de tierras en {place}"],
        group_title_en: NONE,
        group_title_es: NONE,
        many_title_en: &["{n} protesters injured as police break up camp in {place}"],
        many_title_es: &["{n} manifestantes heridos en el desalojo de un campamento en {place}"],
        what_en: &[
            "{when}, {victim} was beaten with sticks and kicked by a group of men during a land eviction in {place}.",
            "{when}, {victim} was attacked by a group of men while documenting the fencing of communal land near {place}.",
        ],
        what_es: &[
            "{when}, {victim} fue golpead{o} con palos y patadas por un grupo de hombres durante un desalojo en {place}.",
            "{when}, {victim} fue agredid{o} por un grupo de hombres mientras documentaba el cercamiento de tierras comunales cerca de {place}.",
        ],
        group_what_en: NONE,
        group_what_es: NONE,
        many_what_en: &["{when}, {victims} were injured when police and private guards broke up a protest camp near {place}."],
        many_what_es: &["{when}, {victims} resultaron heridos cuando la policía y guardias privados desalojaron un campamento de protesta cerca de {place}."],
        outcome_en: &["Head injuries; treated in hospital", "Minor injuries"],
        outcome_es: &["Lesiones en la cabeza; atendid{o} en el hospital", "Lesiones leves"],
        follow: &[("property_destruction", Who::Same), ("threat", Who::Witness)],
        after: After::Other,
        end_days: None,
        mostly_women: false,
    },
    Kind {
        code: "sexual_violence",
        weight: 2,
        group_ok: false,
        prefer_group: false,
        group_kinds: NONE,
        perps: &["military", "police", "armed_group", "unknown"],
        title_en: &["{role} subjected to sexual violence in {place}", "Sexual violence against {role} in {region}"],
        title_es: &["Denuncian violencia sexual contra {role} en {place}", "{role} víctima de violencia sexual en {region}"],
        group_title_en: NONE,
        group_title_es: NONE,
        many_title_en: NONE,
        many_title_es: NONE,
        what_en: &["{when}, {victim} was sexually assaulted by armed men who demanded that the community drop its land claim."],
        what_es: &["{when}, {victim} fue víctima de violencia sexual por parte de hombres armados que exigieron a la comunidad abandonar su reclamación de tierras."],
        group_what_en: NONE,
        group_what_es: NONE,
        many_what_en: NONE,
        many_what_es: NONE,
        outcome_en: &["Received medical and psychosocial care", "Did not file a complaint for fear of reprisals"],
        outcome_es: &["Recibió atención médica y psicosocial", "No denunció por temor a represalias"],
        follow: &[("death_threat", Who::Same), ("threat", Who::Relative)],
        after: After::Other,
        end_days: None,
        mostly_women: true,
    },
    Kind {
        code: "arbitrary_detention",
        weight: 7,
        group_ok: false,
        prefer_group: false,
        group_kinds: NONE,
        perps: &["police", "military"],
        title_en: &["{role} arrested without warrant in {place}", "{role} detained after protest in {place}"],
        title_es: &["Detienen arbitrariamente a {role} en {place}", "{role} detenid{o} tras protesta en {place}"],
        group_title_en: NONE,
        group_title_es: NONE,
        many_title_en: &["{n} land defenders detained during eviction in {place}"],
        many_title_es: &["Detienen a {n} defensores de la tierra durante un desalojo en {place}"],
        what_en: &[
            "{when}, {victim} was arrested without a warrant by members of the security forces in {place} and held incommunicado for two days.",
            "{when}, {victim} was detained during a peaceful protest in {place} and charged with obstructing public roads.",
        ],
        what_es: &[
            "{when}, {victim} fue detenid{o} sin orden judicial por miembros de la fuerza pública en {place} y permaneció incomunicad{o} durante dos días.",
            "{when}, {victim} fue detenid{o} durante una protesta pacífica en {place} y acusad{o} de obstrucción de vías públicas.",
        ],
        group_what_en: NONE,
        group_what_es: NONE,
        many_what_en: &["{when}, {victims} were detained by security forces during the eviction of a land recovery in {place}."],
        many_what_es: &["{when}, {victims} fueron detenidos por la fuerza pública durante el desalojo de una recuperación de tierras en {place}."],
        outcome_en: &["Released without charge", "Released on bail", "In pre-trial detention"],
        outcome_es: &["Liberad{o} sin cargos", "En libertad bajo fianza", "En prisión preventiva"],
        follow: &[("judicial_harassment", Who::Same), ("torture", Who::Same), ("raid", Who::Same)],
        after: After::Legal,
        end_days: Some((1, 90)),
        mostly_women: false,
    },
    Kind {
        code: "judicial_harassment",
        weight: 9,
        group_ok: true,
        prefer_group: false,
        group_kinds: NONE,
        perps: &["judiciary", "company", "government_officials"],
        title_en: &["Prosecutors charge {role} with usurpation in {region}", "Criminal case opened against {role} in {place}"],
        title_es: &["Judicializan a {role} por usurpación en {region}", "Abren proceso penal contra {role} en {place}"],
        group_title_en: &["Criminal complaint filed against leaders of {the_group}"],
        group_title_es: &["Denuncian penalmente a dirigentes {de_group}"],
        many_title_en: NONE,
        many_title_es: NONE,
        what_en: &[
            "{when}, the prosecutor's office charged {victim} with usurpation and incitement for taking part in a land recovery in {place}.",
            "{when}, a company filed a criminal complaint for defamation against {victim} over public statements about its operations near {place}.",
        ],
        what_es: &[
            "{when}, la fiscalía imputó a {victim} los delitos de usurpación e instigación a delinquir por participar en una recuperación de tierras en {place}.",
            "{when}, una empresa presentó una denuncia penal por difamación contra {victim} por sus declaraciones públicas sobre sus operaciones cerca de {place}.",
        ],
        group_what_en: &["{when}, a company filed a criminal complaint for usurpation and coercion against eleven leaders of {the_group} over a peaceful protest camp near {place}."],
        group_what_es: &["{when}, una empresa presentó una denuncia penal por usurpación y coacción contra once dirigentes {de_group} por un plantón pacífico cerca de {place}."],
        many_what_en: NONE,
        many_what_es: NONE,
        outcome_en: &["Case pending", "Charges dismissed", "Convicted; appeal pending"],
        outcome_es: &["Proceso en curso", "Cargos desestimados", "Condenad{o}; apelación en curso"],
        follow: &[("travel_restriction", Who::Same), ("smear_campaign", Who::Same), ("arbitrary_detention", Who::Same)],
        after: After::Legal,
        end_days: None,
        mostly_women: false,
    },
    Kind {
        code: "death_threat",
        weight: 14,
        group_ok: true,
        prefer_group: false,
        group_kinds: NONE,
        perps: &["armed_group", "paramilitary", "unknown", "organised_crime"],
        title_en: &["Death threats against {role} in {place}", "{role} receives death threat after denouncing land grabs"],
        title_es: &["Amenazas de muerte contra {role} en {place}", "Amenazan de muerte a {role} en {region}"],
        group_title_en: &["Pamphlet threatens members of {the_group} with death"],
        group_title_es: &["Panfleto amenaza de muerte a integrantes {de_group}"],
        many_title_en: &["Death threats against {n} social leaders in {place}"],
        many_title_es: &["Amenazan de muerte a {n} líderes sociales en {place}"],
        what_en: &[
            "{when}, {victim} received text messages threatening death if the complaints against the project did not stop.",
            "{when}, a pamphlet signed by an armed group declared {victim} a military target.",
        ],
        what_es: &[
            "{when}, {victim} recibió mensajes de texto en los que l{o} amenazaban de muerte si no cesaban las denuncias contra el proyecto.",
            "{when}, un panfleto firmado por un grupo armado declaró objetivo militar a {victim}.",
        ],
        group_what_en: &["{when}, a pamphlet signed by an armed group and left in {place} declared the members of {the_group} a military target."],
        group_what_es: &["{when}, un panfleto firmado por un grupo armado y dejado en {place} declaró objetivo militar a los integrantes {de_group}."],
        many_what_en: &["{when}, a pamphlet circulated in {place} declared {victims} military targets."],
        many_what_es: &["{when}, un panfleto difundido en {place} declaró objetivo militar a {victims}."],
        outcome_en: &["Complaint filed; no protection granted", "Temporarily left the area"],
        outcome_es: &["Denuncia presentada; sin medidas de protección", "Se desplazó temporalmente de la zona"],
        follow: &[("threat", Who::Relative), ("surveillance", Who::Same), ("death_threat", Who::Colleague)],
        after: After::Other,
        end_days: None,
        mostly_women: false,
    },
    Kind {
        code: "threat",
        weight: 10,
        group_ok: true,
        prefer_group: false,
        group_kinds: NONE,
        perps: &["unknown", "company", "landowners", "government_officials", "community_members", "armed_group", "paramilitary"],
        title_en: &["{role} threatened by armed men in {place}", "{role} harassed and threatened at home in {place}"],
        title_es: &["Hostigan y amenazan a {role} en {place}", "{role} amenazad{o} por hombres armados en {place}"],
        group_title_en: &["Members of {the_group} threatened during assembly in {place}"],
        group_title_es: &["Amenazan a integrantes {de_group} en {place}"],
        many_title_en: NONE,
        many_title_es: NONE,
        what_en: &[
            "{when}, two men on a motorcycle stopped {victim} near {place} and warned that the community's protests had to end.",
            "{when}, {victim} was followed and photographed by unidentified men after a community meeting in {place}, and hours later an anonymous caller ordered the family to leave the area.",
        ],
        what_es: &[
            "{when}, dos hombres en motocicleta interceptaron a {victim} cerca de {place} y le advirtieron que debían cesar las protestas de la comunidad.",
            "{when}, {victim} fue seguid{o} y fotografiad{o} por desconocidos tras una reunión comunitaria en {place}, y horas después una llamada anónima ordenó a la familia abandonar la zona.",
        ],
        group_what_en: &["{when}, unidentified men interrupted an assembly of {the_group} in {place} and warned that its leaders would 'pay the consequences'."],
        group_what_es: &["{when}, hombres sin identificar irrumpieron en una asamblea {de_group} en {place} y advirtieron que sus dirigentes «pagarían las consecuencias»."],
        many_what_en: NONE,
        many_what_es: NONE,
        outcome_en: &["Complaint filed with the prosecutor's office", "Temporarily left the area"],
        outcome_es: &["Denuncia presentada ante la fiscalía", "Se desplazó temporalmente de la zona"],
        follow: &[("surveillance", Who::Same), ("threat", Who::Relative)],
        after: After::Other,
        end_days: None,
        mostly_women: false,
    },
    Kind {
        code: "surveillance",
        weight: 4,
        group_ok: true,
        prefer_group: false,
        group_kinds: NONE,
        perps: &["police", "military", "government_officials", "unknown", "private_security"],
        title_en: &["{role} under surveillance by unidentified men in {place}", "Intelligence services monitored {role}, documents show"],
        title_es: &["Denuncian seguimientos contra {role} en {place}", "Documentos revelan vigilancia de inteligencia a {role}"],
        group_title_en: &["Security forces photograph members of {the_group} at meeting in {place}"],
        group_title_es: &["Denuncian vigilancia contra {the_group} en {place}"],
        many_title_en: NONE,
        many_title_es: NONE,
        what_en: &[
            "{when}, {victim} noticed a car without plates parked for several days outside the office, and men photographing everyone who entered.",
            "{when}, leaked documents showed that an intelligence unit had compiled a profile of {victim}, with family members and daily routines.",
        ],
        what_es: &[
            "{when}, {victim} advirtió que un vehículo sin placas permanecía varios días frente a la oficina y que sus ocupantes fotografiaban a quienes entraban.",
            "{when}, documentos filtrados revelaron que una unidad de inteligencia había elaborado un perfil de {victim}, con datos de familiares y rutinas diarias.",
        ],
        group_what_en: &["{when}, plain-clothes agents photographed and filmed the participants in a meeting of {the_group} in {place}."],
        group_what_es: &["{when}, agentes vestidos de civil fotografiaron y filmaron a los asistentes a una reunión {de_group} en {place}."],
        many_what_en: NONE,
        many_what_es: NONE,
        outcome_en: &["Reported to the ombudsman", "Security protocol reinforced"],
        outcome_es: &["Denunciado ante la institución nacional de derechos humanos", "Se reforzó el protocolo de seguridad"],
        follow: &[("digital_attack", Who::Same), ("threat", Who::Same)],
        after: After::Other,
        end_days: None,
        mostly_women: false,
    },
    Kind {
        code: "digital_attack",
        weight: 4,
        group_ok: true,
        prefer_group: false,
        group_kinds: &["organisation", "network", "movement"],
        perps: &["unknown", "government_officials", "other"],
        title_en: &["Email and social media accounts of {role} hacked", "Spyware found on phone of {role}"],
        title_es: &["Hackean las cuentas de {role}", "Hallan software espía en el teléfono de {role}"],
        group_title_en: &["Website of {the_group} taken down by cyberattack"],
        group_title_es: &["Ataque informático tumba el sitio web {de_group}"],
        many_title_en: NONE,
        many_title_es: NONE,
        what_en: &[
            "{when}, the email and social media accounts of {victim} were taken over and used to publish false statements.",
            "{when}, a forensic analysis found commercial spyware on the phone of {victim}.",
        ],
        what_es: &[
            "{when}, las cuentas de correo y redes sociales de {victim} fueron tomadas y usadas para publicar declaraciones falsas.",
            "{when}, un análisis forense halló software espía comercial en el teléfono de {victim}.",
        ],
        group_what_en: &["{when}, the website of {the_group} was taken offline by a denial-of-service attack hours after it published a report on {region}."],
        group_what_es: &["{when}, el sitio web {de_group} quedó fuera de servicio por un ataque de denegación de servicio horas después de publicar un informe sobre {region}."],
        many_what_en: NONE,
        many_what_es: NONE,
        outcome_en: &["Accounts recovered", "Devices replaced"],
        outcome_es: &["Cuentas recuperadas", "Se reemplazaron los dispositivos"],
        follow: &[("smear_campaign", Who::Same), ("surveillance", Who::Same)],
        after: After::Other,
        end_days: None,
        mostly_women: false,
    },
    Kind {
        code: "smear_campaign",
        weight: 6,
        group_ok: true,
        prefer_group: false,
        group_kinds: NONE,
        perps: &["government_officials", "company", "other", "military"],
        title_en: &["Officials accuse {role} of links to armed groups", "Smear campaign against {role} on social media"],
        title_es: &["Funcionarios acusan a {role} de vínculos con grupos armados", "Estigmatizan a {role} en redes sociales"],
        group_title_en: &["Authorities label {the_group} 'enemies of development'"],
        group_title_es: &["Autoridades señalan {a_group} como «enemigos del desarrollo»"],
        many_title_en: NONE,
        many_title_es: NONE,
        what_en: &[
            "{when}, a local official publicly accused {victim} of belonging to an armed group, in a radio interview broadcast across {region}.",
            "{when}, dozens of anonymous accounts began circulating doctored images of {victim} with messages calling for reprisals.",
        ],
        what_es: &[
            "{when}, un funcionario local acusó públicamente a {victim} de pertenecer a un grupo armado, en una entrevista radial transmitida en {region}.",
            "{when}, decenas de cuentas anónimas comenzaron a difundir imágenes manipuladas de {victim} con mensajes que pedían represalias.",
        ],
        group_what_en: &["{when}, a company statement reproduced by regional media described {the_group} as 'enemies of development' opposed to jobs in {region}."],
        group_what_es: &["{when}, un comunicado empresarial reproducido por medios regionales describió {a_group} como «enemigos del desarrollo» opuestos al empleo en {region}."],
        many_what_en: NONE,
        many_what_es: NONE,
        outcome_en: &["Statements not retracted", "Posts removed after a complaint"],
        outcome_es: &["Las declaraciones no fueron rectificadas", "Publicaciones retiradas tras la denuncia"],
        follow: &[("digital_attack", Who::Same), ("death_threat", Who::Same)],
        after: After::Other,
        end_days: None,
        mostly_women: false,
    },
    Kind {
        code: "raid",
        weight: 4,
        group_ok: true,
        prefer_group: false,
        group_kinds: &["organisation", "network", "movement"],
        perps: &["police", "military"],
        title_en: &["Security forces raid home of {role} in {place}", "Home of {role} searched without warrant"],
        title_es: &["Allanan la vivienda de {role} en {place}", "Registran sin orden judicial la casa de {role}"],
        group_title_en: &["Security forces raid offices of {the_group} in {place}"],
        group_title_es: &["Allanan la sede {de_group} en {place}"],
        many_title_en: NONE,
        many_title_es: NONE,
        what_en: &["{when}, armed agents searched the home of {victim} in {place} without a warrant and took phones and documents."],
        what_es: &["{when}, agentes armados allanaron sin orden judicial la vivienda de {victim} en {place} y se llevaron teléfonos y documentos."],
        group_what_en: &["{when}, armed agents raided the offices of {the_group} in {place} and seized computers holding case files."],
        group_what_es: &["{when}, agentes armados allanaron la sede {de_group} en {place} y decomisaron computadores con expedientes."],
        many_what_en: NONE,
        many_what_es: NONE,
        outcome_en: &["Equipment not returned", "Equipment returned after two months"],
        outcome_es: &["Los equipos no fueron devueltos", "Equipos devueltos dos meses después"],
        follow: &[("property_destruction", Who::Same), ("arbitrary_detention", Who::Colleague), ("surveillance", Who::Same)],
        after: After::Legal,
        end_days: None,
        mostly_women: false,
    },
    Kind {
        code: "property_destruction",
        weight: 4,
        group_ok: true,
        prefer_group: false,
        group_kinds: &["community"],
        perps: &["private_security", "landowners", "company", "armed_group", "police"],
        title_en: &["Crops and home of {role} destroyed in {place}", "Home of {role} set on fire in {place}"],
        title_es: &["Destruyen cultivos y vivienda de {role} en {place}", "Incendian la casa de {role} en {place}"],
        group_title_en: &["Houses of {the_group} burned during eviction in {place}"],
        group_title_es: &["Queman viviendas {de_group} durante desalojo en {place}"],
        many_title_en: NONE,
        many_title_es: NONE,
        what_en: &[
            "{when}, armed men destroyed the crops and fences of {victim} near {place}.",
            "{when}, the house of {victim} in {place} was set on fire at night while the family slept.",
        ],
        what_es: &[
            "{when}, hombres armados destruyeron los cultivos y cercas de {victim} cerca de {place}.",
            "{when}, la casa de {victim} en {place} fue incendiada de noche mientras la familia dormía.",
        ],
        group_what_en: &["{when}, during an eviction carried out without notice, bulldozers destroyed homes and the school of {the_group} near {place}."],
        group_what_es: &["{when}, durante un desalojo sin previo aviso, maquinaria pesada destruyó viviendas y la escuela {de_group} cerca de {place}."],
        many_what_en: NONE,
        many_what_es: NONE,
        outcome_en: &["Heavy material losses", "Family displaced"],
        outcome_es: &["Graves pérdidas materiales", "Familia desplazada"],
        follow: &[("physical_attack", Who::Same), ("threat", Who::Relative)],
        after: After::Other,
        end_days: None,
        mostly_women: false,
    },
    Kind {
        code: "travel_restriction",
        weight: 2,
        group_ok: false,
        prefer_group: false,
        group_kinds: NONE,
        perps: &["government_officials", "judiciary"],
        title_en: &["{role} stopped at airport and prevented from travelling", "{role} barred from leaving the country"],
        title_es: &["Retienen a {role} en el aeropuerto y le impiden viajar", "Impiden salir del país a {role}"],
        group_title_en: NONE,
        group_title_es: NONE,
        many_title_en: NONE,
        many_title_es: NONE,
        what_en: &[
            "{when}, migration officers prevented {victim} from boarding an international flight, citing an alert issued by the prosecutor's office.",
            "{when}, a court imposed a travel ban on {victim} pending an investigation opened after a protest in {place}.",
        ],
        what_es: &[
            "{when}, agentes de migración impidieron a {victim} abordar un vuelo internacional, alegando una alerta emitida por la fiscalía.",
            "{when}, un juzgado impuso a {victim} la prohibición de salir del país mientras avanza una investigación abierta tras una protesta en {place}.",
        ],
        group_what_en: NONE,
        group_what_es: NONE,
        many_what_en: NONE,
        many_what_es: NONE,
        outcome_en: &["Ban lifted after six months", "Ban still in force"],
        outcome_es: &["Prohibición levantada tras seis meses", "La prohibición sigue vigente"],
        follow: &[("judicial_harassment", Who::Same)],
        after: After::Legal,
        end_days: None,
        mostly_women: false,
    },
    Kind {
        code: "association_restriction",
        weight: 2,
        group_ok: true,
        prefer_group: true,
        group_kinds: &["organisation", "network", "movement"],
        perps: &["government_officials", "judiciary"],
        title_en: &["Registration of association led by {role} refused"],
        title_es: &["Niegan el registro a la asociación que lidera {role}"],
        group_title_en: &["Authorities suspend legal registration of {the_group}", "Bank accounts of {the_group} frozen"],
        group_title_es: &["Suspenden la personería jurídica {de_group}", "Congelan las cuentas bancarias {de_group}"],
        many_title_en: NONE,
        many_title_es: NONE,
        what_en: &["{when}, the registry office rejected for the third time the application to register the association led by {victim}, citing 'national security'."],
        what_es: &["{when}, la oficina de registro rechazó por tercera vez la solicitud de inscripción de la asociación que lidera {victim}, alegando «seguridad nacional»."],
        group_what_en: &["{when}, the authorities suspended the legal registration of {the_group} and froze its bank accounts, alleging irregularities in its foreign funding."],
        group_what_es: &["{when}, las autoridades suspendieron la personería jurídica {de_group} y congelaron sus cuentas, alegando irregularidades en su financiación extranjera."],
        many_what_en: NONE,
        many_what_es: NONE,
        outcome_en: &["Appeal pending", "Activities suspended"],
        outcome_es: &["Recurso pendiente", "Actividades suspendidas"],
        follow: &[("judicial_harassment", Who::Colleague), ("smear_campaign", Who::Same)],
        after: After::Legal,
        end_days: None,
        mostly_women: false,
    },
    Kind {
        code: "assembly_restriction",
        weight: 3,
        group_ok: true,
        prefer_group: true,
        group_kinds: NONE,
        perps: &["police", "military", "government_officials"],
        title_en: &["Security forces break up meeting convened by {role} in {place}"],
        title_es: &["La fuerza pública disuelve una reunión convocada por {role} en {place}"],
        group_title_en: &["Security forces disperse march of {the_group} in {place}", "Assembly of {the_group} banned in {place}"],
        group_title_es: &["Fuerza pública dispersa marcha {de_group} en {place}", "Prohíben asamblea {de_group} en {place}"],
        many_title_en: NONE,
        many_title_es: NONE,
        what_en: &["{when}, security forces used tear gas to disperse a public meeting on the water supply convened by {victim} in {place}."],
        what_es: &["{when}, la fuerza pública dispersó con gases lacrimógenos una reunión pública sobre el agua convocada por {victim} en {place}."],
        group_what_en: &["{when}, security forces used tear gas and rubber bullets to disperse a peaceful march by {the_group} towards {place}."],
        group_what_es: &["{when}, la fuerza pública usó gases lacrimógenos y balas de goma para dispersar una marcha pacífica {de_group} hacia {place}."],
        many_what_en: NONE,
        many_what_es: NONE,
        outcome_en: &["Several people injured", "Meeting cancelled"],
        outcome_es: &["Varias personas heridas", "La reunión fue cancelada"],
        follow: &[("physical_attack", Who::Colleague), ("arbitrary_detention", Who::Colleague)],
        after: After::Other,
        end_days: None,
        mostly_women: false,
    },
    Kind {
        code: "expression_restriction",
        weight: 3,
        group_ok: true,
        prefer_group: false,
        group_kinds: NONE,
        perps: &["government_officials", "judiciary", "company"],
        title_en: &["Court orders {role} to take down reports on local company", "Community radio run by {role} shut down in {place}"],
        title_es: &["Ordenan a {role} retirar publicaciones sobre una empresa local", "Cierran la emisora comunitaria que dirige {role} en {place}"],
        group_title_en: &["Community radio of {the_group} taken off the air in {place}"],
        group_title_es: &["Sacan del aire la emisora comunitaria {de_group} en {place}"],
        many_title_en: NONE,
        many_title_es: NONE,
        what_en: &[
            "{when}, a judge ordered {victim} to remove every published report about a company operating near {place} and to stop mentioning it.",
            "{when}, officials from the telecommunications regulator seized the transmitter of the community radio station run by {victim} in {place}.",
        ],
        what_es: &[
            "{when}, un juez ordenó a {victim} retirar todas las publicaciones sobre una empresa que opera cerca de {place} y abstenerse de mencionarla.",
            "{when}, funcionarios del ente regulador de telecomunicaciones decomisaron el transmisor de la emisora comunitaria que dirige {victim} en {place}.",
        ],
        group_what_en: &["{when}, officials seized the transmitter of the community radio station of {the_group} in {place}, alleging an irregular licence."],
        group_what_es: &["{when}, funcionarios decomisaron el transmisor de la emisora comunitaria {de_group} en {place}, alegando una licencia irregular."],
        many_what_en: NONE,
        many_what_es: NONE,
        outcome_en: &["Reports taken down", "Station off the air"],
        outcome_es: &["Publicaciones retiradas", "Emisora fuera del aire"],
        follow: &[("judicial_harassment", Who::Same), ("digital_attack", Who::Same)],
        after: After::Legal,
        end_days: None,
        mostly_women: false,
    },
];

const AFTERMATH: &[(After, Texts, Texts)] = &[
    (
        After::Lethal,
        &[
            "The family filed a complaint with the prosecutor's office; no arrests have been made.",
            "Community members said the armed presence in the area had grown since the start of the year.",
            "The authorities announced an investigation but have not identified those responsible.",
        ],
        &[
            "La familia presentó una denuncia ante la fiscalía; no se han producido capturas.",
            "Integrantes de la comunidad señalaron que la presencia armada en la zona ha aumentado desde comienzos de año.",
            "Las autoridades anunciaron una investigación, pero no han identificado a los responsables.",
        ],
    ),
    (
        After::Legal,
        &[
            "The defence says the case rests on nothing but the company's complaint.",
            "National and international organisations have called the proceedings an attempt to criminalise the defence of land.",
        ],
        &[
            "La defensa sostiene que el caso no tiene más sustento que la denuncia de la empresa.",
            "Organizaciones nacionales e internacionales calificaron el proceso como un intento de criminalizar la defensa del territorio.",
        ],
    ),
    (
        After::Other,
        &[
            "A complaint was filed, but no protection measures have been granted.",
            "The case was reported to the national human rights institution.",
        ],
        &[
            "Se presentó una denuncia, pero no se han otorgado medidas de protección.",
            "El caso fue puesto en conocimiento de la institución nacional de derechos humanos.",
        ],
    ),
];

const RELATIONS: &[(&str, &str, Sex)] = &[
    ("brother", "hermano", Sex::Male),
    ("sister", "hermana", Sex::Female),
    ("son", "hijo", Sex::Male),
    ("daughter", "hija", Sex::Female),
    ("wife", "esposa", Sex::Female),
    ("husband", "esposo", Sex::Male),
    ("mother", "madre", Sex::Female),
    ("father", "padre", Sex::Male),
];

const SOURCE_TYPES: &[(&str, u32)] = &[
    ("ngo", 20),
    ("media", 18),
    ("victim", 12),
    ("relative", 12),
    ("witness", 10),
    ("social_media", 10),
    ("official_document", 8),
    ("court_record", 6),
];

const SOURCE_DESCRIPTIONS: &[(&str, Texts, Texts)] = &[
    (
        "victim",
        &[
            "Interview recorded in person by the field team.",
            "Testimony taken by phone two days after the events.",
        ],
        &[
            "Entrevista grabada en persona por el equipo de campo.",
            "Testimonio tomado por teléfono dos días después de los hechos.",
        ],
    ),
    (
        "relative",
        &[
            "Statement given at the family home.",
            "Account given by phone; agrees on date and place.",
        ],
        &[
            "Declaración rendida en la casa de la familia.",
            "Relato por teléfono; coincide en fecha y lugar.",
        ],
    ),
    (
        "witness",
        &[
            "The witness asked not to be identified.",
            "Describes the events and the vehicle used.",
        ],
        &[
            "La persona testigo pidió no ser identificada.",
            "Describe los hechos y el vehículo utilizado.",
        ],
    ),
    (
        "ngo",
        &[
            "Urgent action published by the organisation.",
            "Case file shared by the partner organisation.",
        ],
        &[
            "Acción urgente publicada por la organización.",
            "Ficha del caso compartida por la organización aliada.",
        ],
    ),
    (
        "media",
        &[
            "News report, with photographs of the scene.",
            "Radio interview with community members.",
        ],
        &[
            "Nota periodística con fotografías del lugar.",
            "Entrevista radial con integrantes de la comunidad.",
        ],
    ),
    (
        "official_document",
        &[
            "Copy of the complaint registered by the authorities.",
            "Early-warning report naming the risk to local leaders.",
        ],
        &[
            "Copia de la denuncia registrada por las autoridades.",
            "Informe de alerta temprana que advierte el riesgo para líderes locales.",
        ],
    ),
    (
        "court_record",
        &[
            "Charge sheet and hearing record.",
            "Court order, obtained from the defence lawyer.",
        ],
        &[
            "Acta de imputación y registro de audiencia.",
            "Auto judicial, obtenido por la defensa.",
        ],
    ),
    (
        "social_media",
        &[
            "Screenshot archived by the documentation team.",
            "Post removed after a few hours; copy archived.",
        ],
        &[
            "Captura archivada por el equipo de documentación.",
            "Publicación eliminada a las pocas horas; copia archivada.",
        ],
    ),
];

const SOCIAL_ORIGINS_EN: Texts = &[
    "Public Facebook post by a community member",
    "Video shared on X (Twitter)",
    "WhatsApp voice note circulated in {place}",
];
const SOCIAL_ORIGINS_ES: Texts = &[
    "Publicación pública en Facebook de un comunero",
    "Video difundido en X (Twitter)",
    "Nota de voz de WhatsApp difundida en {place}",
];

// ====================================================================== countries

struct Region {
    name: &'static str,
    lat: f64,
    lon: f64,
    localities: Texts,
}

struct GroupSeed {
    name: &'static str,
    kind: &'static str,
    /// Spanish article: "la" when true, "el" otherwise.
    feminine: bool,
    /// Home region (one of the country's regions).
    region: &'static str,
    description: &'static str,
}

struct CountrySeed {
    code: &'static str,
    weight: u32,
    /// Records here are written in Spanish or English; elsewhere in English.
    spanish: bool,
    phone: &'static str,
    regions: &'static [Region],
    sectors: Texts,
    profiles: &'static [(&'static str, u32)],
    male: Texts,
    female: Texts,
    surnames: Texts,
    two_surnames: bool,
    groups: &'static [GroupSeed],
    media: Texts,
    ngos: Texts,
    officials: Texts,
    courts: Texts,
    addresses: Texts,
}

const fn region(name: &'static str, lat: f64, lon: f64, localities: Texts) -> Region {
    Region {
        name,
        lat,
        lon,
        localities,
    }
}

const fn group(
    name: &'static str,
    kind: &'static str,
    feminine: bool,
    region: &'static str,
    description: &'static str,
) -> GroupSeed {
    GroupSeed {
        name,
        kind,
        region,
        feminine,
        description,
    }
}

/// The community of journey 1, findable by name.
pub const JOURNEY_COMMUNITY: &str = "Comunidad Nasa de Las Delicias";

const ADDRESSES_ES: Texts = &[
    "Vereda El Porvenir",
    "Barrio San José",
    "Sector La Esperanza",
    "Caserío Los Naranjos",
    "Aldea Nueva Vida",
    "Barrio El Centro",
];
const ADDRESSES_EN: Texts = &[
    "Near the primary school",
    "House 27, Ward 3",
    "Block C, Plot 14",
    "Behind the health post",
    "Upper village, near the water tank",
];

const COUNTRIES: &[CountrySeed] = &[
    CountrySeed {
        code: "CO",
        weight: 26,
        spanish: true,
        phone: "+57 3",
        regions: &[
            region("Cauca", 2.45, -76.6, &["Caloto", "Toribío", "Santander de Quilichao", "Buenos Aires", "Suárez", "Corinto", "El Tambo", "Argelia"]),
            region("Antioquia", 7.0, -75.5, &["Ituango", "Segovia", "Remedios", "Anorí", "Briceño", "Tarazá"]),
            region("Chocó", 5.7, -76.65, &["Riosucio", "Carmen del Darién", "Bojayá", "Quibdó", "Istmina"]),
            region("Nariño", 1.6, -77.9, &["Tumaco", "Barbacoas", "Policarpa"]),
            region("Putumayo", 0.6, -76.6, &["Puerto Asís", "Orito", "Puerto Guzmán"]),
            region("Norte de Santander", 8.3, -72.9, &["Tibú", "El Tarra", "Ocaña"]),
        ],
        sectors: &["agribusiness", "mining", "oil_gas", "hydropower", "logging", "infrastructure"],
        profiles: &[
            ("indigenous", 5),
            ("afro", 4),
            ("farmer", 5),
            ("lawyer", 1),
            ("journalist", 1),
            ("unionist", 1),
            ("environmental", 1),
            ("ranger", 1),
            ("women", 2),
            ("lgbti", 1),
            ("student", 1),
        ],
        male: &["Gentil", "Ferney", "Édgar", "Wilson", "Hernán", "Jhon Fredy", "Luis Alberto", "Yeison", "Arley", "Fabio", "Jesús María", "Orlando"],
        female: &["Luz Dary", "Yuliana", "María Eugenia", "Nelly", "Yaneth", "Ruth", "Diana Marcela", "Claudia", "Leidy", "Sandra Patricia"],
        surnames: &[
            "Dagua", "Ipia", "Pito", "Cuetia", "Yatacué", "Güetio", "Trochez", "Mosquera", "Palacios", "Rentería", "Valencia", "Murillo", "Córdoba",
            "Restrepo", "Gómez", "Quintero", "Muñoz", "Rivas", "Asprilla",
        ],
        two_surnames: true,
        groups: &[
            group(JOURNEY_COMMUNITY, "community", true, "Cauca", "Resguardo community of Nasa families in the north of Cauca, with its own indigenous guard."),
            group("Comunidad Nasa de San Julián del Palo", "community", true, "Cauca", "Comunidad indígena nasa que reclama la ampliación de su resguardo."),
            group("Consejo Comunitario Río Negua Alto", "community", false, "Chocó", "Consejo comunitario afrodescendiente con título colectivo en trámite."),
            group("Asociación Campesina del Alto Cauca", "organisation", true, "Cauca", "Asociación de familias campesinas que impulsa la restitución de tierras."),
            group("Red de Guardias Comunitarias del Macizo", "network", true, "Cauca", "Red de guardias indígenas, cimarronas y campesinas para la autoprotección."),
            group("Movimiento por el Agua y la Vida del Atrato", "movement", false, "Chocó", "Movimiento ciudadano contra la minería en el río Atrato."),
        ],
        media: &["Emisora Comunitaria Voces del Macizo", "Diario del Suroccidente", "Noticiero Regional Pacífico Hoy"],
        ngos: &["Corporación Defensa Territorial del Pacífico", "Observatorio de Derechos Humanos del Suroccidente"],
        officials: &["Defensoría del Pueblo (alerta temprana)", "Fiscalía General de la Nación", "Personería Municipal"],
        courts: &["Juzgado Penal del Circuito de Popayán", "Juzgado Promiscuo de Santander de Quilichao"],
        addresses: ADDRESSES_ES,
    },
    CountrySeed {
        code: "HN",
        weight: 10,
        spanish: true,
        phone: "+504 9",
        regions: &[
            region("Atlántida", 15.7, -87.2, &["Tela", "La Ceiba", "Arizona", "Esparta"]),
            region("Colón", 15.6, -86.0, &["Tocoa", "Trujillo", "Sabá", "Bonito Oriental"]),
            region("Intibucá", 14.3, -88.2, &["La Esperanza", "Yamaranguila", "San Francisco de Opalaca"]),
            region("Francisco Morazán", 14.1, -87.2, &["Tegucigalpa", "Comayagüela", "Talanga"]),
            region("Olancho", 14.8, -86.0, &["Juticalpa", "Catacamas", "Salamá"]),
            region("Santa Bárbara", 15.0, -88.2, &["Macuelizo", "Santa Bárbara"]),
        ],
        sectors: &["mining", "agribusiness", "hydropower", "tourism", "logging", "infrastructure"],
        profiles: &[
            ("indigenous", 3),
            ("afro", 3),
            ("farmer", 3),
            ("journalist", 3),
            ("lawyer", 1),
            ("lgbti", 2),
            ("women", 2),
            ("environmental", 2),
            ("migrant", 1),
            ("student", 1),
        ],
        male: &["Santos", "José Adán", "Nery", "Wilmer", "Francisco Javier", "Elvin", "Marlon", "Óscar Armando"],
        female: &["Dania", "Marlen", "Suyapa", "Iris Yolanda", "Karen", "Dilcia", "Reina Isabel", "Glenda"],
        surnames: &["Orellana", "Zúniga", "Maradiaga", "Andino", "Mejía", "Castillo", "Álvarez", "Bernárdez", "Arzú", "Güity", "Domínguez", "Rápalo", "Lagos", "Flores"],
        two_surnames: true,
        groups: &[
            group("Comunidad Garífuna de Punta Caracol", "community", true, "Atlántida", "Comunidad garífuna de la costa atlántica que reclama su territorio ancestral."),
            group("Comunidad Lenca de San Isidro del Monte", "community", true, "Intibucá", "Comunidad lenca que defiende el río frente a un proyecto hidroeléctrico."),
            group("Colectivo de Periodistas del Litoral Atlántico", "organisation", false, "Atlántida", "Colectivo de periodistas independientes que informan sobre minería y tierras."),
            group("Comité Ambiental de Arizona", "organisation", false, "Atlántida", "Comité de vecinos que vigila la calidad del agua frente a la minería."),
            group("Movimiento por el Agua de Atlántida", "movement", false, "Atlántida", "Movimiento de comunidades por la protección de las cuencas de Atlántida."),
        ],
        media: &["Radio Comunitaria Voz Garífuna del Atlántico", "Semanario Costa Norte", "Canal 22 del Aguán"],
        ngos: &["Centro de Acompañamiento a Defensores del Norte", "Red Hondureña de Periodistas Independientes"],
        officials: &["Comisionado Nacional de los Derechos Humanos", "Ministerio Público, Fiscalía Especial de Derechos Humanos"],
        courts: &["Juzgado de Letras Seccional de Tela", "Tribunal de Sentencia de La Ceiba"],
        addresses: ADDRESSES_ES,
    },
    CountrySeed {
        code: "GT",
        weight: 9,
        spanish: true,
        phone: "+502 5",
        regions: &[
            region("Alta Verapaz", 15.5, -90.3, &["Cobán", "Chisec", "Panzós", "San Pedro Carchá"]),
            region("Izabal", 15.4, -89.1, &["El Estor", "Livingston", "Morales"]),
            region("Huehuetenango", 15.5, -91.5, &["Santa Eulalia", "Santa Cruz Barillas", "San Mateo Ixtatán"]),
            region("San Marcos", 15.0, -91.8, &["San Miguel Ixtahuacán", "Sipacapa"]),
            region("Quiché", 15.3, -91.0, &["Nebaj", "Chajul"]),
            region("Petén", 16.9, -89.9, &["Sayaxché", "La Libertad"]),
        ],
        sectors: &["hydropower", "mining", "agribusiness", "logging", "oil_gas"],
        profiles: &[
            ("indigenous", 7),
            ("farmer", 3),
            ("lawyer", 1),
            ("journalist", 1),
            ("ranger", 1),
            ("women", 2),
            ("religious", 1),
            ("migrant", 1),
        ],
        male: &["Bernardo", "Mateo", "Domingo", "Sebastián", "Pedro Pablo", "Juan Tomás", "Abelino", "Lucas"],
        female: &["Juana", "Rosalina", "Magdalena", "Petrona", "Catarina", "Olga Marina", "Elvira"],
        surnames: &["Caal", "Choc", "Xol", "Tut", "Pop", "Coc", "Ixcoy", "Chen", "Cuz", "Maquín", "Pérez", "López", "Gómez", "Mejía"],
        two_surnames: true,
        groups: &[
            group("Comunidad Q'eqchi' de Semuy Chaquiral", "community", true, "Alta Verapaz", "Comunidad q'eqchi' del valle del Polochic en conflicto por la tierra."),
            group("Comunidad Maya Mam de Tuilcanac", "community", true, "San Marcos", "Comunidad mam que rechaza una licencia minera otorgada sin consulta."),
            group("Asociación de Abogados Mayas por la Tierra", "organisation", true, "Alta Verapaz", "Asociación de abogadas y abogados mayas que litiga casos de tierras."),
            group("Movimiento de Resistencia Pacífica de Ixtahuacán", "movement", false, "San Marcos", "Movimiento de comunidades contra la minería en San Marcos."),
            group("Consejo de Pueblos del Norte de Huehuetenango", "network", false, "Huehuetenango", "Consejo de autoridades comunitarias q'anjob'ales y chuj."),
        ],
        media: &["Radio Comunitaria Xyaab' Tzuultaq'a", "Prensa Comunitaria del Polochic", "Noticiero Maya Visión Norte"],
        ngos: &["Unidad de Protección a Defensoras y Defensores del Altiplano", "Colectivo Madre Tierra Verapaz"],
        officials: &["Procuraduría de los Derechos Humanos", "Ministerio Público, Fiscalía de Derechos Humanos"],
        courts: &["Juzgado de Primera Instancia Penal de Cobán", "Juzgado de Paz de El Estor"],
        addresses: ADDRESSES_ES,
    },
    CountrySeed {
        code: "MX",
        weight: 14,
        spanish: true,
        phone: "+52 9",
        regions: &[
            region("Oaxaca", 16.9, -96.7, &["Juchitán de Zaragoza", "Unión Hidalgo", "San José del Progreso", "Santiago Jamiltepec"]),
            region("Guerrero", 17.4, -99.5, &["Tlapa de Comonfort", "Chilpancingo", "Atoyac de Álvarez", "Malinaltepec"]),
            region("Chiapas", 16.5, -92.6, &["San Cristóbal de las Casas", "Ocosingo", "Chenalhó", "Tapachula"]),
            region("Michoacán", 19.2, -101.9, &["Aquila", "Cherán", "Uruapan"]),
            region("Chihuahua", 28.6, -106.1, &["Guachochi", "Guadalupe y Calvo"]),
            region("Veracruz", 19.2, -96.1, &["Papantla", "Xalapa", "Tuxpan"]),
        ],
        sectors: &["mining", "renewable_energy", "infrastructure", "logging", "agribusiness", "hydropower", "tourism"],
        profiles: &[
            ("indigenous", 5),
            ("journalist", 4),
            ("farmer", 2),
            ("environmental", 2),
            ("migrant", 2),
            ("religious", 1),
            ("women", 2),
            ("lgbti", 1),
            ("lawyer", 1),
            ("student", 1),
            ("disability", 1),
        ],
        male: &["Bernabé", "Eusebio", "Samuel", "Isidro", "Marco Antonio", "Rogelio", "Fidel", "Abundio"],
        female: &["Guadalupe", "Itzel", "Rosa María", "Felícitas", "Yesenia", "Alejandra", "Nayeli", "Bertha Alicia"],
        surnames: &["Hernández", "Martínez", "López", "Santiago", "Cruz", "Ramírez", "Vásquez", "Morales", "Girón", "Mendoza", "Torres", "Guzmán"],
        two_surnames: true,
        groups: &[
            group("Comunidad Zapoteca de Guiedani", "community", true, "Oaxaca", "Comunidad zapoteca del Istmo frente a la expansión de parques eólicos."),
            group("Comunidad Tzeltal de Nuevo Amanecer", "community", true, "Chiapas", "Comunidad tzeltal que defiende sus tierras recuperadas."),
            group("Centro Comunitario de Derechos Humanos de la Montaña Baja", "organisation", false, "Guerrero", "Centro comunitario que acompaña a pueblos me'phaa y na savi."),
            group("Asamblea de Pueblos en Defensa del Viento", "movement", true, "Oaxaca", "Asamblea de comunidades del Istmo por la consulta sobre proyectos eólicos."),
            group("Red de Periodistas Independientes del Pacífico Sur", "network", true, "Guerrero", "Red de periodistas locales que informan sobre violencia y despojo."),
        ],
        media: &["Radio Comunitaria Nduva Ñuu", "Diario Istmeño de la Tarde", "Portal Noticias del Sur Profundo"],
        ngos: &["Centro de Acompañamiento Jurídico Tierra Digna", "Observatorio Ciudadano de la Costa Chica"],
        officials: &["Comisión Nacional de los Derechos Humanos", "Fiscalía General del Estado", "Mecanismo de Protección para Personas Defensoras"],
        courts: &["Juzgado de Control de Juchitán", "Juzgado Penal de Primera Instancia de Tlapa"],
        addresses: ADDRESSES_ES,
    },
    CountrySeed {
        code: "BR",
        weight: 12,
        spanish: false,
        phone: "+55 9",
        regions: &[
            region("Pará", -3.8, -52.0, &["Anapu", "Altamira", "Marabá", "São Félix do Xingu"]),
            region("Maranhão", -5.0, -45.3, &["Amarante do Maranhão", "Arame", "Grajaú"]),
            region("Mato Grosso do Sul", -22.2, -54.8, &["Dourados", "Caarapó", "Amambai"]),
            region("Amazonas", -4.4, -70.0, &["Atalaia do Norte", "Tabatinga", "Lábrea"]),
            region("Rondônia", -10.8, -63.0, &["Porto Velho", "Ariquemes"]),
            region("Bahia", -16.4, -39.2, &["Porto Seguro", "Prado"]),
        ],
        sectors: &["agribusiness", "logging", "mining", "hydropower", "infrastructure"],
        profiles: &[
            ("indigenous", 6),
            ("farmer", 5),
            ("environmental", 2),
            ("afro", 2),
            ("lawyer", 1),
            ("journalist", 1),
            ("ranger", 1),
            ("unionist", 1),
        ],
        male: &["Raimundo", "João Batista", "Francisco", "Antônio Carlos", "Josimar", "Edivaldo", "Cícero", "Valdemir"],
        female: &["Francisca", "Antônia", "Maria das Dores", "Rosilene", "Edilene", "Joana", "Luzia"],
        surnames: &["Silva", "Souza", "Oliveira", "Pereira", "Ferreira", "Nascimento", "Lima", "Costa", "Santos", "Rodrigues", "Araújo"],
        two_surnames: true,
        groups: &[
            group("Quilombo Boa Esperança do Rio Preto", "community", false, "Maranhão", "Quilombola community awaiting the titling of its territory."),
            group("Guarani Kaiowá community of Tekoha Yvy Porã", "community", true, "Mato Grosso do Sul", "Guarani Kaiowá families reoccupying ancestral land taken by cattle ranches."),
            group("Rural Workers' Association of Anapu Sul", "organisation", true, "Pará", "Association of settler families in an agrarian reform settlement."),
            group("Movimento Xingu Livre", "movement", false, "Pará", "Movement of riverside and indigenous communities affected by dams on the Xingu."),
        ],
        media: &["Rádio Comunitária Voz do Xingu", "Jornal Folha do Bico", "Portal Notícias da Floresta"],
        ngos: &["Comissão de Terra e Justiça do Pará", "Instituto Floresta e Direitos"],
        officials: &["Federal Public Prosecutor's Office", "Federal Police incident report", "State Public Defender's Office"],
        courts: &["Federal Court of Altamira", "State Court of Marabá"],
        addresses: ADDRESSES_EN,
    },
    CountrySeed {
        code: "PE",
        weight: 8,
        spanish: true,
        phone: "+51 9",
        regions: &[
            region("Cajamarca", -7.16, -78.5, &["Celendín", "Bambamarca", "Hualgayoc"]),
            region("Apurímac", -14.0, -72.9, &["Challhuahuacho", "Tambobamba", "Abancay"]),
            region("Ucayali", -8.4, -74.5, &["Pucallpa", "Masisea", "Atalaya"]),
            region("Junín", -11.3, -74.6, &["Satipo", "Pichanaki", "Río Tambo"]),
            region("Loreto", -4.5, -75.0, &["Iquitos", "Trompeteros"]),
            region("Madre de Dios", -12.0, -70.5, &["Puerto Maldonado", "Huepetuhe"]),
        ],
        sectors: &["mining", "oil_gas", "logging", "agribusiness", "infrastructure"],
        profiles: &[
            ("indigenous", 5),
            ("farmer", 4),
            ("environmental", 2),
            ("ranger", 1),
            ("journalist", 1),
            ("lawyer", 1),
            ("women", 2),
            ("student", 1),
        ],
        male: &["Teodoro", "Hugo", "Wilfredo", "Nilo", "Saúl", "Quintín", "Ronald", "Julio César"],
        female: &["Elsa", "Yolanda", "Rosa", "Ruth Elena", "Maruja", "Flor de María", "Lourdes"],
        surnames: &["Quispe", "Huamán", "Mamani", "Condori", "Chávez", "Rojas", "Vásquez", "Tello", "Campos", "Ríos", "Shuñaqui"],
        two_surnames: true,
        groups: &[
            group("Comunidad Campesina de Huayllapampa", "community", true, "Cajamarca", "Comunidad campesina altoandina que defiende sus lagunas frente a la minería."),
            group("Comunidad Nativa Asháninka de Alto Shimpe", "community", true, "Junín", "Comunidad asháninka que vigila su bosque frente a la tala ilegal."),
            group("Frente de Defensa de las Lagunas de Celendín", "organisation", false, "Cajamarca", "Frente de defensa de comunidades y rondas de Celendín."),
            group("Rondas Campesinas del Alto Marañón", "movement", true, "Cajamarca", "Organización de rondas campesinas de la cuenca del Marañón."),
            group("Federación de Comunidades Nativas del Bajo Ucayali", "network", true, "Ucayali", "Federación de comunidades shipibo-konibo y asháninka."),
        ],
        media: &["Radio La Voz de Celendín", "Diario Selva Central", "Portal Amazonía Viva"],
        ngos: &["Coordinadora Regional de Derechos Humanos del Sur Andino", "Asociación Bosques y Pueblos"],
        officials: &["Defensoría del Pueblo", "Ministerio Público, Fiscalía Provincial", "Mecanismo Intersectorial para la Protección de Personas Defensoras"],
        courts: &["Juzgado de Investigación Preparatoria de Celendín", "Sala Penal de Apelaciones de Ucayali"],
        addresses: ADDRESSES_ES,
    },
    CountrySeed {
        code: "PH",
        weight: 9,
        spanish: false,
        phone: "+63 9",
        regions: &[
            region("Negros Occidental", 10.5, 123.0, &["Sagay", "Escalante", "Kabankalan"]),
            region("Bukidnon", 8.0, 125.0, &["Malaybalay", "Quezon", "San Fernando"]),
            region("Davao del Norte", 7.5, 125.7, &["Talaingod", "Kapalong"]),
            region("South Cotabato", 6.3, 124.9, &["Tampakan", "Koronadal", "Lake Sebu"]),
            region("Palawan", 9.8, 118.7, &["Puerto Princesa", "Brooke's Point"]),
            region("Rizal", 14.6, 121.3, &["Tanay", "Rodriguez"]),
        ],
        sectors: &["mining", "agribusiness", "hydropower", "logging", "fishing", "infrastructure"],
        profiles: &[
            ("indigenous", 4),
            ("farmer", 4),
            ("unionist", 2),
            ("lawyer", 2),
            ("journalist", 2),
            ("environmental", 2),
            ("student", 1),
            ("religious", 1),
        ],
        male: &["Rodel", "Jerome", "Romeo", "Dionisio", "Arnel", "Ramon", "Efren", "Jonathan"],
        female: &["Lorna", "Marites", "Rowena", "Jocelyn", "Analyn", "Teresita", "Zenaida", "Grace"],
        surnames: &["Dela Cruz", "Santos", "Bautista", "Reyes", "Mendoza", "Villanueva", "Dumanas", "Lumbay", "Sumbalan", "Ampuan", "Gumanoy"],
        two_surnames: false,
        groups: &[
            group("Lumad community of Sitio Dalag", "community", true, "Davao del Norte", "Lumad community running its own school in the uplands."),
            group("Dumagat community of Sitio Mahabang Lupa", "community", true, "Rizal", "Dumagat families whose land would be flooded by a dam."),
            group("Sugarcane Workers' Union of Northern Negros", "organisation", false, "Negros Occidental", "Union of sugarcane workers demanding land distribution."),
            group("Mindanao Environmental Defenders Network", "network", true, "South Cotabato", "Network of community groups opposing large mines in Mindanao."),
            group("Save Our Upland Rivers Movement", "movement", false, "Bukidnon", "Movement of river communities against dams and quarrying."),
        ],
        media: &["DXKR Community Radio", "Upland Courier", "Negros Daily Record"],
        ngos: &["Visayas Human Rights Documentation Desk", "Mindanao Legal Aid Collective"],
        officials: &["Commission on Human Rights, regional office", "Police spot report", "Municipal social welfare office"],
        courts: &["Regional Trial Court, Branch 12", "Municipal Trial Court of Sagay"],
        addresses: ADDRESSES_EN,
    },
    CountrySeed {
        code: "CD",
        weight: 5,
        spanish: false,
        phone: "+243 9",
        regions: &[
            region("Nord-Kivu", -0.7, 29.2, &["Goma", "Beni", "Rutshuru", "Butembo"]),
            region("Sud-Kivu", -2.5, 28.8, &["Bukavu", "Kalehe", "Shabunda", "Uvira"]),
            region("Ituri", 1.6, 30.0, &["Bunia", "Mambasa", "Mongbwalu"]),
            region("Haut-Katanga", -11.7, 27.5, &["Lubumbashi", "Likasi"]),
            region("Lualaba", -10.7, 25.5, &["Kolwezi", "Fungurume"]),
            region("Tshopo", 0.5, 25.2, &["Kisangani", "Yangambi"]),
        ],
        sectors: &["mining", "logging", "oil_gas", "agribusiness", "hydropower"],
        profiles: &[
            ("ranger", 3),
            ("environmental", 2),
            ("lawyer", 2),
            ("journalist", 2),
            ("women", 3),
            ("indigenous", 2),
            ("farmer", 2),
            ("unionist", 1),
            ("student", 1),
        ],
        male: &["Espoir", "Dieudonné", "Amani", "Jean-Pierre", "Patient", "Trésor", "Fidèle", "Innocent"],
        female: &["Furaha", "Esther", "Neema", "Chantal", "Bahati", "Marie-Claire", "Solange", "Aline"],
        surnames: &["Kasongo", "Mukendi", "Mwamba", "Lusamba", "Kalume", "Bisimwa", "Muhindo", "Kambale", "Kahindo", "Ngongo", "Mapendo", "Zawadi"],
        two_surnames: false,
        groups: &[
            group("Batwa community of Muhungu", "community", true, "Sud-Kivu", "Batwa families evicted from a protected forest, claiming access to their land."),
            group("Kivu Land Rights Collective", "organisation", false, "Nord-Kivu", "Lawyers and paralegals supporting farmers in land disputes."),
            group("Citizen Movement for a Clean Kolwezi", "movement", false, "Lualaba", "Residents demanding accountability for pollution from cobalt mining."),
            group("Ituri Women Defenders' Network", "network", true, "Ituri", "Network of women defenders documenting violence in Ituri."),
        ],
        media: &["Radio Communautaire Amani FM", "Kivu Morning Post", "Katanga Mining Watch bulletin"],
        ngos: &["Great Lakes Defenders Documentation Centre", "Association for Justice in the Mines"],
        officials: &["Provincial Prosecutor's Office", "Park authority incident report", "Provincial human rights commission"],
        courts: &["Tribunal de Grande Instance de Goma", "Tribunal de Paix de Kolwezi"],
        addresses: ADDRESSES_EN,
    },
    CountrySeed {
        code: "IN",
        weight: 4,
        spanish: false,
        phone: "+91 9",
        regions: &[
            region("Chhattisgarh", 21.3, 81.9, &["Sukma", "Dantewada", "Korba", "Raigarh"]),
            region("Jharkhand", 23.4, 85.3, &["Khunti", "Latehar", "Ranchi"]),
            region("Odisha", 20.3, 84.4, &["Kalahandi", "Rayagada", "Jagatsinghpur"]),
            region("Maharashtra", 19.8, 80.0, &["Gadchiroli", "Mumbai"]),
            region("Tamil Nadu", 8.8, 78.1, &["Thoothukudi", "Chennai"]),
            region("Assam", 26.2, 92.9, &["Guwahati", "Golaghat"]),
        ],
        sectors: &["mining", "infrastructure", "hydropower", "oil_gas", "renewable_energy", "fishing"],
        profiles: &[
            ("indigenous", 6),
            ("farmer", 2),
            ("lawyer", 2),
            ("journalist", 2),
            ("unionist", 1),
            ("environmental", 1),
            ("women", 2),
            ("lgbti", 1),
            ("disability", 1),
            ("student", 1),
        ],
        male: &["Ramesh", "Suresh", "Anil", "Budhram", "Lakhmu", "Manoj", "Rajesh", "Sukhram"],
        female: &["Sunita", "Kavita", "Meena", "Lakshmi", "Hidme", "Anjali", "Pooja", "Sarita"],
        surnames: &["Kumar", "Munda", "Oraon", "Kujur", "Tirkey", "Nayak", "Majhi", "Hembram", "Kunjam", "Markam", "Netam", "Poyam"],
        two_surnames: false,
        groups: &[
            group("Gond community of Amdai Hills", "community", true, "Chhattisgarh", "Adivasi villages opposing an iron ore mine on their forest land."),
            group("Adivasi village assembly of Kudumkela", "community", true, "Odisha", "Village assembly asserting its forest rights against a coal block."),
            group("Forest Rights Legal Aid Collective", "organisation", false, "Jharkhand", "Lawyers filing forest rights claims for Adivasi villages."),
            group("Save the Sal Forest Movement", "movement", false, "Chhattisgarh", "Movement of villages defending a sal forest from mining."),
        ],
        media: &["Bastar Local News", "Coastal Voice weekly", "Jharkhand Ground Report"],
        ngos: &["Adivasi Rights Documentation Forum", "Coastal Fishworkers' Solidarity Trust"],
        officials: &["First Information Report, local police station", "Human rights commission notice", "District Collector's order"],
        courts: &["District and Sessions Court, Dantewada", "High Court bench order"],
        addresses: ADDRESSES_EN,
    },
    CountrySeed {
        code: "KE",
        weight: 3,
        spanish: false,
        phone: "+254 7",
        regions: &[
            region("Narok", -1.1, 35.9, &["Narok", "Olokurto"]),
            region("Lamu", -2.3, 40.9, &["Lamu", "Mpeketoni", "Kiunga"]),
            region("Nairobi City", -1.29, 36.82, &["Kibera", "Mathare", "Mukuru"]),
            region("Turkana", 3.1, 35.6, &["Lodwar", "Lokichar", "Kakuma"]),
            region("Kilifi", -3.6, 39.8, &["Malindi", "Kilifi", "Watamu"]),
            region("Nakuru", -0.3, 36.1, &["Molo", "Njoro"]),
        ],
        sectors: &["infrastructure", "fishing", "oil_gas", "tourism", "logging", "agribusiness", "renewable_energy"],
        profiles: &[
            ("indigenous", 3),
            ("environmental", 3),
            ("housing", 3),
            ("lgbti", 2),
            ("journalist", 1),
            ("lawyer", 1),
            ("women", 2),
            ("student", 1),
            ("disability", 1),
            ("ranger", 1),
        ],
        male: &["Otieno", "Kiprono", "Mwangi", "Ochieng", "Lemayian", "Baraka", "Kipchumba", "Juma"],
        female: &["Wanjiru", "Achieng", "Njeri", "Chebet", "Nasieku", "Amina", "Wairimu", "Akinyi"],
        surnames: &["Kamau", "Odhiambo", "Mutua", "Langat", "Sankale", "Koech", "Ekai", "Lokol", "Wekesa", "Barasa", "Salim", "Mwakio"],
        two_surnames: false,
        groups: &[
            group("Ogiek community of Nessuit", "community", true, "Nakuru", "Forest community resisting evictions from the Mau forest."),
            group("Lamu Fisherfolk Association", "organisation", false, "Lamu", "Artisanal fishers affected by the port and coal plant projects."),
            group("Kibera Community Justice Forum", "network", false, "Nairobi City", "Residents documenting police killings and forced evictions."),
            group("Lamu Coastline Movement", "movement", false, "Lamu", "Coastal residents defending mangroves and fishing grounds."),
        ],
        media: &["Radio Mwananchi FM", "Coast Weekly Observer", "Nairobi Street Journal"],
        ngos: &["Coast Defenders Legal Centre", "Mau Forest Peoples' Trust"],
        officials: &["National human rights commission statement", "Occurrence Book entry, local police station", "Policing oversight authority report"],
        courts: &["Magistrate's Court, Lamu", "Environment and Land Court, Nakuru"],
        addresses: ADDRESSES_EN,
    },
];

// ====================================================================== generator

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Lang {
    En,
    Es,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Sex {
    Female,
    Male,
    Unknown,
    Intersex,
}

impl Sex {
    fn code(self) -> &'static str {
        match self {
            Sex::Female => "female",
            Sex::Male => "male",
            Sex::Unknown => "unknown",
            Sex::Intersex => "intersex",
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Party {
    Person(usize),
    Group(usize),
}

/// A person created in this run.
struct PRec {
    id: Id,
    country: &'static str,
    kind: PersonKind,
    given: String,
    surnames: Vec<&'static str>,
    sex: Sex,
    /// Spanish agreement (follows the given name when the sex is not known).
    feminine: bool,
    birth_year: Option<i32>,
    profile: Option<&'static Profile>,
    groups: Vec<usize>,
    alive: bool,
    /// For relatives: (relation in English, in Spanish, index of the person).
    relation: Option<(&'static str, &'static str, usize)>,
}

impl PRec {
    /// Spanish agreement ending.
    fn o(&self) -> &'static str {
        if self.feminine {
            "a"
        } else {
            "o"
        }
    }

    fn name(&self) -> String {
        let mut s = self.given.clone();
        for p in &self.surnames {
            s.push(' ');
            s.push_str(p);
        }
        s
    }
}

/// A group created in this run.
struct GRec {
    id: Id,
    country: &'static str,
    region: &'static str,
    name: &'static str,
    kind: &'static str,
    feminine: bool,
}

/// One violation about to be recorded.
struct VPlan {
    kind: &'static Kind,
    party: Party,
    who: Option<Who>,
    date: Option<(NaiveDate, Precision)>,
    reprisal: bool,
}

#[derive(Default)]
struct Cover(BTreeSet<&'static str>);

impl Cover {
    /// A weighted choice, preferring options never chosen before, so that every
    /// option appears early.
    fn pick(&mut self, rng: &mut StdRng, options: &[(&'static str, u32)]) -> Option<&'static str> {
        let unused: Vec<&'static str> = options
            .iter()
            .map(|o| o.0)
            .filter(|o| !self.0.contains(o))
            .collect();
        let choice = match unused.choose(rng) {
            Some(c) => *c,
            None => weighted(rng, options)?,
        };
        self.0.insert(choice);
        Some(choice)
    }

    fn pick_uniform(&mut self, rng: &mut StdRng, options: Texts) -> Option<&'static str> {
        let weighted: Vec<(&'static str, u32)> = options.iter().map(|o| (*o, 1)).collect();
        self.pick(rng, &weighted)
    }
}

fn weighted<T: Copy>(rng: &mut StdRng, items: &[(T, u32)]) -> Option<T> {
    let total: u32 = items.iter().map(|i| i.1).sum();
    if total == 0 {
        return items.first().map(|i| i.0);
    }
    let mut x = rng.gen_range(0..total);
    for &(t, w) in items {
        if x < w {
            return Some(t);
        }
        x -= w;
    }
    items.last().map(|i| i.0)
}

fn one(rng: &mut StdRng, t: Texts) -> &'static str {
    t.choose(rng).copied().unwrap_or_default()
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const MONTHS_ES: [&str; 12] = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
];

/// "On 15 March 2024", "In March 2024", "El 15 de marzo de 2024", "En 2024".
fn when(d: NaiveDate, p: Precision, lang: Lang) -> String {
    let m0 = usize::try_from(d.month0()).unwrap_or(0);
    let (y, day) = (d.year(), d.day());
    match (lang, p) {
        (Lang::En, Precision::Day) => format!(
            "On {day} {} {y}",
            MONTHS_EN.get(m0).copied().unwrap_or_default()
        ),
        (Lang::En, Precision::Month) => {
            format!("In {} {y}", MONTHS_EN.get(m0).copied().unwrap_or_default())
        }
        (Lang::En, Precision::Year) => format!("In {y}"),
        (Lang::Es, Precision::Day) => format!(
            "El {day} de {} de {y}",
            MONTHS_ES.get(m0).copied().unwrap_or_default()
        ),
        (Lang::Es, Precision::Month) => format!(
            "En {} de {y}",
            MONTHS_ES.get(m0).copied().unwrap_or_default()
        ),
        (Lang::Es, Precision::Year) => format!("En {y}"),
    }
}

/// Opening of a sentence about something else that happened at the incident's date.
fn same_time(p: Precision, lang: Lang) -> &'static str {
    match (lang, p) {
        (Lang::En, Precision::Day) => "The same day",
        (Lang::En, Precision::Month) => "That same month",
        (Lang::En, Precision::Year) => "That same year",
        (Lang::Es, Precision::Day) => "Ese mismo día",
        (Lang::Es, Precision::Month) => "Ese mismo mes",
        (Lang::Es, Precision::Year) => "Ese mismo año",
    }
}

fn date_text(d: NaiveDate, p: Precision) -> String {
    PartialDate {
        date: d,
        precision: p,
    }
    .to_string()
}

/// Placeholders of the text templates.
#[derive(Default)]
struct Vars {
    role: String,
    place: String,
    region: String,
    n: String,
    victim: String,
    victims: String,
    when: String,
    the_group: String,
    de_group: String,
    a_group: String,
    o: &'static str,
}

fn fill(t: &str, v: &Vars) -> String {
    t.replace("{role}", &v.role)
        .replace("{place}", &v.place)
        .replace("{region}", &v.region)
        .replace("{n}", &v.n)
        .replace("{victims}", &v.victims)
        .replace("{victim}", &v.victim)
        .replace("{when}", &v.when)
        .replace("{the_group}", &v.the_group)
        .replace("{de_group}", &v.de_group)
        .replace("{a_group}", &v.a_group)
        .replace("{o}", if v.o.is_empty() { "o" } else { v.o })
}

fn kind_of(code: &str) -> Option<&'static Kind> {
    KINDS.iter().find(|k| k.code == code)
}

fn profile_of(key: &str) -> Option<&'static Profile> {
    PROFILES.iter().find(|p| p.key == key)
}

fn country_of(code: &str) -> Option<&'static CountrySeed> {
    COUNTRIES.iter().find(|c| c.code == code)
}

struct Gen<'a> {
    access: &'a Access,
    rng: StdRng,
    today: NaiveDate,
    earliest: NaiveDate,
    persons: Vec<PRec>,
    groups: Vec<GRec>,
    summary: DemoSummary,
    cover_kinds: Cover,
    cover_perps: Cover,
    cover_sources: Cover,
    cover_sectors: Cover,
    cover_countries: Cover,
    cover_profiles: Cover,
    any_reprisal: bool,
    /// Where the incident being written happens: new persons live nearby.
    here: Option<(&'static Region, &'static str)>,
}

impl<'a> Gen<'a> {
    fn new(access: &'a Access, seed: u64, today: NaiveDate) -> Self {
        let earliest = NaiveDate::from_ymd_opt(2015, 1, 1)
            .unwrap_or(today)
            .min(today);
        Self {
            access,
            rng: StdRng::seed_from_u64(seed),
            today,
            earliest,
            persons: Vec::new(),
            groups: Vec::new(),
            summary: DemoSummary::default(),
            cover_kinds: Cover::default(),
            cover_perps: Cover::default(),
            cover_sources: Cover::default(),
            cover_sectors: Cover::default(),
            cover_countries: Cover::default(),
            cover_profiles: Cover::default(),
            any_reprisal: false,
            here: None,
        }
    }

    fn person(&self, i: usize) -> anyhow::Result<&PRec> {
        self.persons
            .get(i)
            .context("demo: person index out of range")
    }

    fn group(&self, i: usize) -> anyhow::Result<&GRec> {
        self.groups.get(i).context("demo: group index out of range")
    }

    // ------------------------------------------------------------ groups

    async fn create_groups(&mut self) -> anyhow::Result<()> {
        for c in COUNTRIES {
            for gs in c.groups {
                let input = GroupInput {
                    name: gs.name.to_owned(),
                    group_type: gs.kind.to_owned(),
                    country: c.code.to_owned(),
                    description: gs.description.to_owned(),
                };
                let g = self
                    .access
                    .create_group(&input)
                    .await
                    .with_context(|| format!("creating demo group {}", gs.name))?;
                self.groups.push(GRec {
                    id: g.id,
                    country: c.code,
                    region: gs.region,
                    name: gs.name,
                    kind: gs.kind,
                    feminine: gs.feminine,
                });
                self.summary.groups += 1;
            }
        }
        Ok(())
    }

    fn groups_in(&self, country: &str, kinds: &[&str]) -> Vec<usize> {
        self.groups
            .iter()
            .enumerate()
            .filter(|(_, g)| g.country == country && (kinds.is_empty() || kinds.contains(&g.kind)))
            .map(|(i, _)| i)
            .collect()
    }

    fn group_by_name(&self, name: &str) -> Option<usize> {
        self.groups.iter().position(|g| g.name == name)
    }

    // ------------------------------------------------------------ persons

    fn random_sex(&mut self, female_share: f64) -> Sex {
        let x: f64 = self.rng.gen();
        if x < female_share {
            Sex::Female
        } else if x < 0.97 {
            Sex::Male
        } else if x < 0.995 {
            Sex::Unknown
        } else {
            Sex::Intersex
        }
    }

    /// A given name, and whether Spanish agreement with it is feminine.
    fn given_name(&mut self, c: &'static CountrySeed, sex: Sex) -> (&'static str, bool) {
        let feminine = match sex {
            Sex::Female => true,
            Sex::Male => false,
            Sex::Unknown | Sex::Intersex => self.rng.gen_bool(0.5),
        };
        (
            one(&mut self.rng, if feminine { c.female } else { c.male }),
            feminine,
        )
    }

    fn surnames(&mut self, c: &'static CountrySeed) -> Vec<&'static str> {
        let first = one(&mut self.rng, c.surnames);
        if !c.two_surnames {
            return vec![first];
        }
        let mut second = one(&mut self.rng, c.surnames);
        if second == first {
            second = one(&mut self.rng, c.surnames);
        }
        vec![first, second]
    }

    fn contacts(&mut self, c: &'static CountrySeed, given: &str, surname: &str) -> String {
        let phone = format!(
            "{}{:02} 555 {:04}",
            c.phone,
            self.rng.gen_range(0..100),
            self.rng.gen_range(0..10_000)
        );
        if self.rng.gen_bool(0.5) {
            let local = vigil_domain::country::normalise_name(&format!("{given} {surname}"))
                .replace(' ', ".");
            format!("Tel. {phone}; {local}@example.org")
        } else {
            format!("Tel. {phone}")
        }
    }

    fn address(&mut self, c: &'static CountrySeed) -> String {
        let (region, locality) = match self.here {
            Some((r, place)) if c.regions.iter().any(|x| x.name == r.name) => (Some(r), place),
            _ => {
                let region = c.regions.choose(&mut self.rng);
                (
                    region,
                    region
                        .map(|r| one(&mut self.rng, r.localities))
                        .unwrap_or_default(),
                )
            }
        };
        let prefix = one(&mut self.rng, c.addresses);
        format!(
            "{prefix}, {locality}, {}",
            region.map(|r| r.name).unwrap_or_default()
        )
    }

    fn publish_consent(&mut self) -> PublishConsent {
        weighted(
            &mut self.rng,
            &[
                (PublishConsent::No, 35),
                (PublishConsent::AggregateOnly, 45),
                (PublishConsent::Named, 20),
            ],
        )
        .unwrap_or(PublishConsent::No)
    }

    async fn save_person(&mut self, input: &PersonInput, rec: PRec) -> anyhow::Result<usize> {
        let p = self
            .access
            .create_person(input)
            .await
            .context("creating a demo person")?;
        self.persons.push(PRec { id: p.id, ..rec });
        self.summary.persons += 1;
        Ok(self.persons.len() - 1)
    }

    /// A new defender in `c`; `year` is the year of the incident that first names them.
    async fn new_defender(
        &mut self,
        c: &'static CountrySeed,
        year: i32,
        female_share: f64,
        force_group: Option<usize>,
    ) -> anyhow::Result<usize> {
        let key = self
            .cover_profiles
            .pick(&mut self.rng, c.profiles)
            .unwrap_or("environmental");
        let profile = profile_of(key)
            .or_else(|| PROFILES.first())
            .context("demo: no profiles")?;
        let female_share = if profile.key == "women" {
            0.95
        } else {
            female_share
        };
        let sex = self.random_sex(female_share);
        let (given, feminine) = self.given_name(c, sex);
        let surnames = self.surnames(c);
        // Ages cluster around the forties; students are young.
        let age = if profile.key == "student" {
            18 + self.rng.gen_range(0..=8)
        } else {
            22 + self.rng.gen_range(0..=22) + self.rng.gen_range(0..=22)
        };
        let birth_year = self.rng.gen_bool(0.88).then_some(year - age);
        let mut groups: Vec<usize> = force_group.into_iter().collect();
        let pool = if profile.community {
            self.groups_in(c.code, &["community"])
        } else {
            self.groups_in(c.code, &["organisation", "network"])
        };
        if groups.is_empty() && self.rng.gen_bool(if profile.community { 0.6 } else { 0.4 }) {
            if let Some(g) = pool.choose(&mut self.rng) {
                groups.push(*g);
            }
        }
        if self.rng.gen_bool(0.15) {
            if let Some(g) = self.groups_in(c.code, &["movement"]).choose(&mut self.rng) {
                if !groups.contains(g) {
                    groups.push(*g);
                }
            }
        }
        let mut memberships = Vec::new();
        for g in &groups {
            memberships.push(self.group(*g)?.id);
        }
        let sdg = if self.rng.gen_bool(0.06) {
            ""
        } else {
            profile.sdg
        };
        let first_surname = surnames.first().copied().unwrap_or_default();
        let contacts = self.contacts(c, given, first_surname);
        let address = self.address(c);
        let consent_share = self.rng.gen_bool(0.55);
        let consent_publish = self.publish_consent();
        let input = PersonInput {
            kind: PersonKind::Defender,
            legal_name: String::new(),
            contacts,
            address,
            sex: sex.code().to_owned(),
            birth_year,
            characteristics: profile
                .characteristics
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
            sectors: profile.sectors.iter().map(|s| (*s).to_owned()).collect(),
            sdg_group: sdg.to_owned(),
            memberships,
            consent_record: true,
            consent_share,
            consent_publish,
            external_id: String::new(),
        };
        let rec = PRec {
            id: 0,
            country: c.code,
            kind: PersonKind::Defender,
            given: given.to_owned(),
            surnames,
            sex,
            feminine,
            birth_year,
            profile: Some(profile),
            groups,
            alive: true,
            relation: None,
        };
        let input = PersonInput {
            legal_name: rec.name(),
            ..input
        };
        self.save_person(&input, rec).await
    }

    /// A living defender of `c`: someone already recorded (repeat victims are common) or
    /// someone new.
    async fn defender(
        &mut self,
        c: &'static CountrySeed,
        year: i32,
        female_share: f64,
        exclude: &[usize],
    ) -> anyhow::Result<usize> {
        let known: Vec<usize> = self
            .persons
            .iter()
            .enumerate()
            .filter(|(i, p)| {
                p.country == c.code
                    && p.kind == PersonKind::Defender
                    && p.alive
                    && !exclude.contains(i)
            })
            .map(|(i, _)| i)
            .collect();
        if !known.is_empty() && self.rng.gen_bool(0.22) {
            if let Some(i) = known.choose(&mut self.rng) {
                return Ok(*i);
            }
        }
        self.new_defender(c, year, female_share, None).await
    }

    async fn new_relative(&mut self, of: usize) -> anyhow::Result<usize> {
        let (country, of_surnames, of_birth) = {
            let p = self.person(of)?;
            (p.country, p.surnames.clone(), p.birth_year)
        };
        let c = country_of(country).context("demo: unknown country")?;
        let (rel_en, rel_es, sex) =
            RELATIONS
                .choose(&mut self.rng)
                .copied()
                .unwrap_or(("brother", "hermano", Sex::Male));
        let own = self.surnames(c);
        let surnames = match rel_en {
            "brother" | "sister" => of_surnames.clone(),
            "son" | "daughter" | "father" => {
                let mut s: Vec<&'static str> = of_surnames.first().copied().into_iter().collect();
                if c.two_surnames {
                    s.extend(own.get(1).copied());
                }
                s
            }
            _ => own,
        };
        let base = of_birth.unwrap_or(1980);
        let birth = match rel_en {
            "son" | "daughter" => base + self.rng.gen_range(20..=30),
            "mother" | "father" => base - self.rng.gen_range(20..=30),
            _ => base + self.rng.gen_range(-6..=6),
        };
        let birth_year = (birth <= self.today.year() && self.rng.gen_bool(0.8)).then_some(birth);
        let (given, feminine) = self.given_name(c, sex);
        let contacts = self.contacts(c, given, surnames.first().copied().unwrap_or_default());
        let address = self.address(c);
        let rec = PRec {
            id: 0,
            country,
            kind: PersonKind::Relative,
            given: given.to_owned(),
            surnames,
            sex,
            feminine,
            birth_year,
            profile: None,
            groups: Vec::new(),
            alive: true,
            relation: Some((rel_en, rel_es, of)),
        };
        let consent_share = self.rng.gen_bool(0.4);
        let consent_publish = self.publish_consent();
        let input = PersonInput {
            kind: PersonKind::Relative,
            legal_name: rec.name(),
            contacts,
            address,
            sex: sex.code().to_owned(),
            birth_year,
            characteristics: Vec::new(),
            sectors: Vec::new(),
            sdg_group: String::new(),
            memberships: Vec::new(),
            consent_record: true,
            consent_share,
            consent_publish,
            external_id: String::new(),
        };
        self.save_person(&input, rec).await
    }

    async fn new_witness(&mut self, c: &'static CountrySeed) -> anyhow::Result<usize> {
        let sex = self.random_sex(0.5);
        let (given, feminine) = self.given_name(c, sex);
        let surnames = self.surnames(c);
        let birth_year = self
            .rng
            .gen_bool(0.6)
            .then(|| self.rng.gen_range(1955..=2004));
        let rec = PRec {
            id: 0,
            country: c.code,
            kind: PersonKind::Witness,
            given: given.to_owned(),
            surnames,
            sex,
            feminine,
            birth_year,
            profile: None,
            groups: Vec::new(),
            alive: true,
            relation: None,
        };
        let contacts = if self.rng.gen_bool(0.5) {
            self.contacts(c, given, rec.surnames.first().copied().unwrap_or_default())
        } else {
            String::new()
        };
        let input = PersonInput {
            kind: PersonKind::Witness,
            legal_name: rec.name(),
            contacts,
            address: String::new(),
            sex: sex.code().to_owned(),
            birth_year,
            characteristics: Vec::new(),
            sectors: Vec::new(),
            sdg_group: String::new(),
            memberships: Vec::new(),
            consent_record: true,
            consent_share: false,
            consent_publish: PublishConsent::No,
            external_id: String::new(),
        };
        self.save_person(&input, rec).await
    }

    /// A named perpetrator (a commander, an official, a manager): at most two a country.
    async fn perpetrator(&mut self, c: &'static CountrySeed) -> anyhow::Result<Id> {
        let known: Vec<Id> = self
            .persons
            .iter()
            .filter(|p| p.country == c.code && p.kind == PersonKind::Perpetrator)
            .map(|p| p.id)
            .collect();
        if known.len() >= 2 {
            return known
                .choose(&mut self.rng)
                .copied()
                .context("demo: no perpetrator");
        }
        let sex = self.random_sex(0.15);
        let (given, feminine) = self.given_name(c, sex);
        let surnames = self.surnames(c);
        let birth_year = self
            .rng
            .gen_bool(0.5)
            .then(|| self.rng.gen_range(1955..=1990));
        let rec = PRec {
            id: 0,
            country: c.code,
            kind: PersonKind::Perpetrator,
            given: given.to_owned(),
            surnames,
            sex,
            feminine,
            birth_year,
            profile: None,
            groups: Vec::new(),
            alive: true,
            relation: None,
        };
        let input = PersonInput {
            kind: PersonKind::Perpetrator,
            legal_name: rec.name(),
            contacts: String::new(),
            address: String::new(),
            sex: sex.code().to_owned(),
            birth_year,
            characteristics: Vec::new(),
            sectors: Vec::new(),
            sdg_group: String::new(),
            memberships: Vec::new(),
            consent_record: true,
            consent_share: false,
            consent_publish: PublishConsent::No,
            external_id: String::new(),
        };
        let i = self.save_person(&input, rec).await?;
        Ok(self.person(i)?.id)
    }

    /// Another defender close to `of`: a member of its group when it has one.
    async fn colleague(
        &mut self,
        c: &'static CountrySeed,
        of: Party,
        year: i32,
        exclude: &[usize],
    ) -> anyhow::Result<usize> {
        let group = match of {
            Party::Group(g) => Some(g),
            Party::Person(p) => {
                let gs = self.person(p)?.groups.clone();
                if self.rng.gen_bool(0.6) {
                    gs.choose(&mut self.rng).copied()
                } else {
                    None
                }
            }
        };
        match group {
            Some(g) => {
                let members: Vec<usize> = self
                    .persons
                    .iter()
                    .enumerate()
                    .filter(|(i, p)| {
                        p.alive
                            && p.kind == PersonKind::Defender
                            && p.groups.contains(&g)
                            && !exclude.contains(i)
                    })
                    .map(|(i, _)| i)
                    .collect();
                if !members.is_empty() && self.rng.gen_bool(0.5) {
                    if let Some(m) = members.choose(&mut self.rng) {
                        return Ok(*m);
                    }
                }
                self.new_defender(c, year, 0.45, Some(g)).await
            }
            None => self.defender(c, year, 0.45, exclude).await,
        }
    }

    // ------------------------------------------------------------ text

    fn role(&self, p: &PRec, lang: Lang) -> &'static str {
        match (p.profile, lang) {
            (Some(pr), Lang::En) => pr.role_en,
            (Some(pr), Lang::Es) if p.feminine => pr.role_es_f,
            (Some(pr), Lang::Es) => pr.role_es_m,
            (None, Lang::En) => "human rights defender",
            (None, Lang::Es) if p.feminine => "defensora de derechos humanos",
            (None, Lang::Es) => "defensor de derechos humanos",
        }
    }

    fn group_vars(&self, g: &GRec, lang: Lang, v: &mut Vars) {
        match lang {
            Lang::En => {
                v.the_group = format!("the {}", g.name);
                v.de_group = format!("of the {}", g.name);
                v.a_group = format!("the {}", g.name);
            }
            Lang::Es => {
                let (el, del, al) = if g.feminine {
                    ("la", "de la", "a la")
                } else {
                    ("el", "del", "al")
                };
                v.the_group = format!("{el} {}", g.name);
                v.de_group = format!("{del} {}", g.name);
                v.a_group = format!("{al} {}", g.name);
            }
        }
        v.o = if g.feminine { "a" } else { "o" };
    }

    /// How a victim is named in the narrative: the name, with a word on who they are
    /// when they are not the main victim.
    fn mention(&self, party: Party, who: Option<Who>, lang: Lang) -> anyhow::Result<String> {
        let Party::Person(i) = party else {
            return Ok(String::new());
        };
        let p = self.person(i)?;
        let name = p.name();
        let note = match (who, p.relation, lang) {
            (Some(Who::Relative), Some((en, _, of)), Lang::En) => {
                format!(" ({en} of {})", self.person(of)?.name())
            }
            (Some(Who::Relative), Some((_, es, of)), Lang::Es) => {
                format!(" ({es} de {})", self.person(of)?.name())
            }
            (Some(Who::Witness), _, Lang::En) => " (a witness to the attack)".to_owned(),
            (Some(Who::Witness), _, Lang::Es) => " (testigo del ataque)".to_owned(),
            (Some(Who::Colleague), _, Lang::En) => format!(" (also a {})", self.role(p, lang)),
            (Some(Who::Colleague), _, Lang::Es) => format!(" (también {})", self.role(p, lang)),
            _ => String::new(),
        };
        Ok(format!("{name}{note}"))
    }

    fn vars_for(
        &self,
        party: Party,
        who: Option<Who>,
        lang: Lang,
        base: &Vars,
    ) -> anyhow::Result<Vars> {
        let mut v = Vars {
            place: base.place.clone(),
            region: base.region.clone(),
            ..Vars::default()
        };
        match party {
            Party::Person(i) => {
                let p = self.person(i)?;
                v.role = self.role(p, lang).to_owned();
                v.o = if lang == Lang::Es { p.o() } else { "o" };
                v.victim = self.mention(party, who, lang)?;
            }
            Party::Group(g) => {
                let g = self.group(g)?;
                self.group_vars(g, lang, &mut v);
                v.victim = v.the_group.clone();
            }
        }
        Ok(v)
    }

    /// The sentence that introduces the main victim and what they did.
    fn context_sentence(
        &mut self,
        party: Party,
        sector: Option<&str>,
        lang: Lang,
        year: i32,
        base: &Vars,
    ) -> anyhow::Result<String> {
        let sector_phrase = sector
            .and_then(|s| SECTOR_CONTEXT.iter().find(|c| c.0 == s))
            .map(|c| match lang {
                Lang::En => c.1,
                Lang::Es => c.2,
            });
        let sector_phrase = sector_phrase.map(|t| one(&mut self.rng, t));
        match party {
            Party::Person(i) => {
                let (name, role, profile_phrase, birth_year) = {
                    let p = self.person(i)?;
                    (
                        p.name(),
                        self.role(p, lang),
                        p.profile.map(|pr| {
                            if lang == Lang::En {
                                pr.work_en
                            } else {
                                pr.work_es
                            }
                        }),
                        p.birth_year,
                    )
                };
                let phrase = if self.rng.gen_bool(0.75) {
                    sector_phrase.or(profile_phrase)
                } else {
                    profile_phrase.or(sector_phrase)
                };
                let phrase = phrase.unwrap_or(if lang == Lang::En {
                    "had long defended the rights of the community"
                } else {
                    "defendía desde hace años los derechos de la comunidad"
                });
                let age = birth_year
                    .map(|b| year - b)
                    .filter(|a| (14..=95).contains(a));
                let intro = match (lang, age) {
                    (Lang::En, Some(a)) => {
                        let art = if a == 8 || a == 11 || a == 18 || (80..90).contains(&a) {
                            "an"
                        } else {
                            "a"
                        };
                        format!("{name}, {art} {a}-year-old {role},")
                    }
                    (Lang::En, None) => {
                        let art = if role
                            .starts_with(['a', 'e', 'i', 'o', 'u', 'A', 'E', 'I', 'O', 'U'])
                            || role.starts_with("LGBTI")
                        {
                            "an"
                        } else {
                            "a"
                        };
                        format!("{name}, {art} {role},")
                    }
                    (Lang::Es, Some(a)) => format!("{name}, {role} de {a} años,"),
                    (Lang::Es, None) => format!("{name}, {role},"),
                };
                Ok(format!("{intro} {}.", fill(phrase, base)))
            }
            Party::Group(g) => {
                let mut v = Vars {
                    place: base.place.clone(),
                    region: base.region.clone(),
                    ..Vars::default()
                };
                self.group_vars(self.group(g)?, lang, &mut v);
                let phrase = sector_phrase.unwrap_or(if lang == Lang::En {
                    "had long campaigned for the land rights of families in {region}"
                } else {
                    "trabajaba desde hace años por los derechos territoriales de las familias de {region}"
                });
                Ok(capitalise(&format!(
                    "{} {}.",
                    v.the_group,
                    fill(phrase, &v)
                )))
            }
        }
    }

    // ------------------------------------------------------------ dates

    fn random_date(&mut self) -> (NaiveDate, Precision) {
        let span = (self.today - self.earliest).num_days().max(0);
        let a = self.rng.gen_range(0..=span);
        // Lean towards recent years, as documentation does.
        let offset = if self.rng.gen_bool(0.5) {
            a.max(self.rng.gen_range(0..=span))
        } else {
            a
        };
        let d = self.earliest + Duration::days(offset);
        let p = weighted(
            &mut self.rng,
            &[
                (Precision::Day, 65),
                (Precision::Month, 25),
                (Precision::Year, 10),
            ],
        )
        .unwrap_or(Precision::Day);
        (truncate(d, p), p)
    }

    // ------------------------------------------------------------ incidents

    fn pick_perpetrators(&mut self, kind: &Kind) -> Vec<&'static str> {
        let options: Vec<(&'static str, u32)> = kind.perps.iter().map(|p| (*p, 1)).collect();
        let mut out: Vec<&'static str> = self
            .cover_perps
            .pick(&mut self.rng, &options)
            .into_iter()
            .collect();
        if self.rng.gen_bool(0.12) {
            if let Some(second) = kind.perps.choose(&mut self.rng) {
                if !out.contains(second) && *second != "unknown" && !out.contains(&"unknown") {
                    out.push(second);
                }
            }
        }
        out
    }

    async fn perpetrator_inputs(
        &mut self,
        c: &'static CountrySeed,
        kind: &Kind,
    ) -> anyhow::Result<Vec<PerpetratorInput>> {
        let mut out = Vec::new();
        for t in self.pick_perpetrators(kind) {
            let nameable = matches!(
                t,
                "military"
                    | "police"
                    | "judiciary"
                    | "government_officials"
                    | "company"
                    | "private_security"
                    | "landowners"
                    | "paramilitary"
            );
            let person_id = if nameable && self.rng.gen_bool(0.07) {
                Some(self.perpetrator(c).await?)
            } else {
                None
            };
            out.push(PerpetratorInput {
                perpetrator_type: t.to_owned(),
                person_id,
                group_id: None,
            });
        }
        Ok(out)
    }

    fn outcome(&mut self, kind: &Kind, lang: Lang, o: &'static str) -> String {
        let t = one(
            &mut self.rng,
            if lang == Lang::En {
                kind.outcome_en
            } else {
                kind.outcome_es
            },
        );
        fill(
            t,
            &Vars {
                o,
                ..Vars::default()
            },
        )
    }

    fn status(&mut self, year: i32) -> IncidentStatus {
        use IncidentStatus::*;
        let recent = year >= self.today.year() - 2;
        let weights: &[(IncidentStatus, u32)] = if recent {
            &[
                (Reported, 22),
                (UnderVerification, 30),
                (Verified, 33),
                (Unverifiable, 8),
                (Rejected, 7),
            ]
        } else {
            &[
                (Reported, 8),
                (UnderVerification, 20),
                (Verified, 55),
                (Unverifiable, 10),
                (Rejected, 7),
            ]
        };
        weighted(&mut self.rng, weights).unwrap_or(Reported)
    }

    /// A source of a type not in `exclude`.
    fn source(
        &mut self,
        c: &'static CountrySeed,
        lang: Lang,
        victim_name: &str,
        place: &str,
        exclude: &[&str],
    ) -> SourceInput {
        let options: Vec<(&'static str, u32)> = SOURCE_TYPES
            .iter()
            .copied()
            .filter(|(t, _)| !exclude.contains(t))
            .collect();
        let st = self
            .cover_sources
            .pick(&mut self.rng, &options)
            .unwrap_or("ngo");
        let origin = match (st, lang) {
            ("victim", Lang::En) => format!("Testimony of {victim_name}"),
            ("victim", Lang::Es) => format!("Testimonio de {victim_name}"),
            ("relative", Lang::En) => format!(
                "Relative of the victim ({})",
                RELATIONS
                    .choose(&mut self.rng)
                    .map(|r| r.0)
                    .unwrap_or("sister")
            ),
            ("relative", Lang::Es) => format!(
                "Familiar de la víctima ({})",
                RELATIONS
                    .choose(&mut self.rng)
                    .map(|r| r.1)
                    .unwrap_or("hermana")
            ),
            ("witness", Lang::En) => format!("Eyewitness in {place}"),
            ("witness", Lang::Es) => format!("Testigo presencial en {place}"),
            ("ngo", _) => one(&mut self.rng, c.ngos).to_owned(),
            ("media", _) => one(&mut self.rng, c.media).to_owned(),
            ("official_document", _) => one(&mut self.rng, c.officials).to_owned(),
            ("court_record", _) => one(&mut self.rng, c.courts).to_owned(),
            (_, Lang::En) => one(&mut self.rng, SOCIAL_ORIGINS_EN).replace("{place}", place),
            (_, Lang::Es) => one(&mut self.rng, SOCIAL_ORIGINS_ES).replace("{place}", place),
        };
        let reliability = match st {
            "court_record" | "official_document" => {
                weighted(&mut self.rng, &[("high", 8), ("medium", 2)])
            }
            "ngo" => weighted(&mut self.rng, &[("high", 5), ("medium", 4), ("unknown", 1)]),
            "media" => weighted(&mut self.rng, &[("high", 2), ("medium", 6), ("low", 2)]),
            "social_media" => weighted(&mut self.rng, &[("medium", 2), ("low", 5), ("unknown", 3)]),
            _ => weighted(&mut self.rng, &[("high", 4), ("medium", 5), ("low", 1)]),
        }
        .unwrap_or("medium");
        let description = SOURCE_DESCRIPTIONS
            .iter()
            .find(|d| d.0 == st)
            .map(|d| one(&mut self.rng, if lang == Lang::En { d.1 } else { d.2 }))
            .unwrap_or_default();
        SourceInput {
            source_type: st.to_owned(),
            reliability: reliability.to_owned(),
            origin,
            description: description.to_owned(),
        }
    }

    fn party_ref(&self, party: Party) -> anyhow::Result<VictimRef> {
        Ok(match party {
            Party::Person(i) => VictimRef::Person(self.person(i)?.id),
            Party::Group(g) => VictimRef::Group(self.group(g)?.id),
        })
    }

    fn party_name(&self, party: Party) -> anyhow::Result<String> {
        Ok(match party {
            Party::Person(i) => self.person(i)?.name(),
            Party::Group(g) => self.group(g)?.name.to_owned(),
        })
    }

    async fn random_incident(&mut self) -> anyhow::Result<()> {
        let country_weights: Vec<(&'static str, u32)> =
            COUNTRIES.iter().map(|c| (c.code, c.weight)).collect();
        let code = self
            .cover_countries
            .pick(&mut self.rng, &country_weights)
            .unwrap_or("CO");
        let c = country_of(code).context("demo: unknown country")?;
        let lang = if c.spanish && self.rng.gen_bool(0.6) {
            Lang::Es
        } else {
            Lang::En
        };
        let mut region = c
            .regions
            .choose(&mut self.rng)
            .context("demo: country without regions")?;
        let mut place = one(&mut self.rng, region.localities);
        self.here = Some((region, place));
        let (start, precision) = self.random_date();
        let year = start.year();

        let kind_weights: Vec<(&'static str, u32)> =
            KINDS.iter().map(|k| (k.code, k.weight)).collect();
        let kind = self
            .cover_kinds
            .pick(&mut self.rng, &kind_weights)
            .and_then(kind_of)
            .context("demo: no violation kinds")?;

        // Who suffered it: one person, a group, or several people at once.
        let groups_here = self.groups_in(c.code, kind.group_kinds);
        let group_share = if kind.prefer_group { 0.65 } else { 0.3 };
        let female_share = if kind.mostly_women { 0.85 } else { 0.45 };
        let mut primary: Vec<Party> = Vec::new();
        if kind.group_ok && !groups_here.is_empty() && self.rng.gen_bool(group_share) {
            if let Some(g) = groups_here.choose(&mut self.rng) {
                primary.push(Party::Group(*g));
                // A group's incident happens where the group is.
                let home = self.group(*g)?.region;
                if let Some(r) = c.regions.iter().find(|r| r.name == home) {
                    region = r;
                    place = one(&mut self.rng, r.localities);
                    self.here = Some((region, place));
                }
            }
        } else if !kind.many_title_en.is_empty() && self.rng.gen_bool(0.1) {
            let n = self.rng.gen_range(2..=4);
            let community = self
                .groups_in(c.code, &["community"])
                .into_iter()
                .find(|g| self.groups.get(*g).is_some_and(|g| g.region == region.name));
            for _ in 0..n {
                let i = self.new_defender(c, year, female_share, community).await?;
                primary.push(Party::Person(i));
            }
        }
        if primary.is_empty() {
            let i = self.defender(c, year, female_share, &[]).await?;
            primary.push(Party::Person(i));
        }
        let main = primary.first().copied().context("demo: no victim")?;

        // Reprisals for cooperation with the UN: rare, and present at least once.
        let reprisal_kind = matches!(
            kind.code,
            "smear_campaign"
                | "travel_restriction"
                | "judicial_harassment"
                | "surveillance"
                | "threat"
                | "death_threat"
                | "digital_attack"
                | "arbitrary_detention"
        );
        let reprisal =
            reprisal_kind && primary.len() == 1 && (!self.any_reprisal || self.rng.gen_bool(0.08));
        self.any_reprisal |= reprisal;

        let mut plans: Vec<VPlan> = primary
            .iter()
            .map(|p| VPlan {
                kind,
                party: *p,
                who: None,
                date: None,
                reprisal,
            })
            .collect();

        // Related violations in the same incident.
        if primary.len() == 1 && self.rng.gen_bool(0.3) {
            let mut follow: Vec<(&'static str, Who)> = kind.follow.to_vec();
            follow.shuffle(&mut self.rng);
            let count = if self.rng.gen_bool(0.25) { 2 } else { 1 };
            for (code, who) in follow.into_iter().take(count) {
                let Some(fk) = kind_of(code) else { continue };
                let used: Vec<usize> = plans
                    .iter()
                    .filter_map(|p| {
                        if let Party::Person(i) = p.party {
                            Some(i)
                        } else {
                            None
                        }
                    })
                    .collect();
                let (party, who) = match (who, main) {
                    (Who::Same, Party::Group(_)) if !fk.group_ok => (
                        Party::Person(self.colleague(c, main, year, &used).await?),
                        Who::Colleague,
                    ),
                    (Who::Same, _) => (main, Who::Same),
                    (Who::Relative, Party::Person(p)) => {
                        (Party::Person(self.new_relative(p).await?), Who::Relative)
                    }
                    (Who::Relative | Who::Colleague, _) => (
                        Party::Person(self.colleague(c, main, year, &used).await?),
                        Who::Colleague,
                    ),
                    (Who::Witness, _) => (Party::Person(self.new_witness(c).await?), Who::Witness),
                };
                // Threats against relatives usually came before, known to the month.
                let date = if who == Who::Relative
                    && precision != Precision::Year
                    && matches!(code, "threat" | "death_threat")
                {
                    let before = start - Duration::days(self.rng.gen_range(25..=60));
                    Some((truncate(before, Precision::Month), Precision::Month))
                } else {
                    None
                };
                plans.push(VPlan {
                    kind: fk,
                    party,
                    who: Some(who),
                    date,
                    reprisal: false,
                });
            }
        }

        let sector = if self.rng.gen_bool(0.72) {
            self.cover_sectors.pick_uniform(&mut self.rng, c.sectors)
        } else if self.rng.gen_bool(0.45) {
            self.cover_sectors.pick_uniform(&mut self.rng, &["none"])
        } else {
            None
        };
        let context_sector = sector.filter(|s| *s != "none");

        // Title.
        let base = Vars {
            place: place.to_owned(),
            region: region.name.to_owned(),
            ..Vars::default()
        };
        // Which title template was used: the first sentence tells the same story.
        let mut title_index: Option<(usize, usize)> = None;
        let title = if primary.len() > 1 {
            let words_en = ["two", "three", "four"];
            let words_es = ["dos", "tres", "cuatro"];
            let w = primary.len().saturating_sub(2);
            let n = if lang == Lang::En {
                words_en.get(w)
            } else {
                words_es.get(w)
            }
            .copied()
            .unwrap_or("two");
            let t = one(
                &mut self.rng,
                if lang == Lang::En {
                    kind.many_title_en
                } else {
                    kind.many_title_es
                },
            );
            fill(
                t,
                &Vars {
                    n: n.to_owned(),
                    place: base.place.clone(),
                    region: base.region.clone(),
                    ..Vars::default()
                },
            )
        } else {
            let v = self.vars_for(main, None, lang, &base)?;
            let list = match (main, lang) {
                (Party::Group(_), Lang::En) => kind.group_title_en,
                (Party::Group(_), Lang::Es) => kind.group_title_es,
                (Party::Person(_), Lang::En) => kind.title_en,
                (Party::Person(_), Lang::Es) => kind.title_es,
            };
            let i = self.rng.gen_range(0..list.len().max(1));
            title_index = Some((i, list.len()));
            fill(list.get(i).copied().unwrap_or_default(), &v)
        };
        let title = capitalise(&title);

        // Narrative: what happened, what else happened, who the victim is, what followed.
        let mut sentences: Vec<String> = Vec::new();
        let start_when = when(start, precision, lang);
        if primary.len() > 1 {
            let mut names = Vec::new();
            for p in &primary {
                names.push(self.party_name(*p)?);
            }
            let last = names.pop().unwrap_or_default();
            let joined = if names.is_empty() {
                last
            } else {
                format!(
                    "{} {} {last}",
                    names.join(", "),
                    if lang == Lang::En { "and" } else { "y" }
                )
            };
            let t = one(
                &mut self.rng,
                if lang == Lang::En {
                    kind.many_what_en
                } else {
                    kind.many_what_es
                },
            );
            sentences.push(fill(
                t,
                &Vars {
                    victims: joined,
                    when: start_when.clone(),
                    place: base.place.clone(),
                    region: base.region.clone(),
                    ..Vars::default()
                },
            ));
        }
        let mut used_templates: Vec<&'static str> = Vec::new();
        for (n, plan) in plans.iter().enumerate() {
            if primary.len() > 1 && n < primary.len() {
                continue;
            }
            if sentences.len() >= 2 {
                break;
            }
            let mut v = self.vars_for(plan.party, plan.who, lang, &base)?;
            v.when = match plan.date {
                Some((d, p)) => when(d, p, lang),
                None if n > 0 => same_time(precision, lang).to_owned(),
                None => start_when.clone(),
            };
            let list = match (plan.party, lang) {
                (Party::Group(_), Lang::En) => plan.kind.group_what_en,
                (Party::Group(_), Lang::Es) => plan.kind.group_what_es,
                (Party::Person(_), Lang::En) => plan.kind.what_en,
                (Party::Person(_), Lang::Es) => plan.kind.what_es,
            };
            let t = match title_index {
                Some((i, len)) if n == 0 && len == list.len() => {
                    list.get(i).copied().unwrap_or_default()
                }
                _ => {
                    // Never the same sentence twice.
                    let fresh: Vec<&'static str> = list
                        .iter()
                        .copied()
                        .filter(|t| !used_templates.contains(t))
                        .collect();
                    let pool: &[&'static str] = if fresh.is_empty() { list } else { &fresh };
                    pool.choose(&mut self.rng).copied().unwrap_or_default()
                }
            };
            used_templates.push(t);
            sentences.push(fill(t, &v));
        }
        sentences.push(self.context_sentence(main, context_sector, lang, year, &base)?);
        if reprisal {
            let t: Texts = match (main, lang) {
                (Party::Group(_), Lang::En) => &["The events came weeks after members of the group had submitted information to a UN Special Rapporteur."],
                (Party::Group(_), Lang::Es) => &["Los hechos ocurrieron semanas después de que integrantes de la organización enviaran información a un Relator Especial de la ONU."],
                (Party::Person(_), Lang::En) => &[
                    "The events came weeks after the victim had spoken at the UN Human Rights Council in Geneva about the situation in {region}.",
                    "The events followed a meeting between the victim and a UN Special Rapporteur during an official visit to the country.",
                ],
                (Party::Person(_), Lang::Es) => &[
                    "Los hechos ocurrieron semanas después de que la víctima interviniera ante el Consejo de Derechos Humanos de la ONU en Ginebra sobre la situación en {region}.",
                    "Los hechos siguieron a una reunión de la víctima con un Relator Especial de la ONU durante su visita oficial al país.",
                ],
            };
            let s = one(&mut self.rng, t);
            sentences.push(fill(s, &base));
        }
        if sentences.len() < 4 && self.rng.gen_bool(0.7) {
            if let Some(&(_, en, es)) = AFTERMATH.iter().find(|a| a.0 == kind.after) {
                sentences
                    .push(one(&mut self.rng, if lang == Lang::En { en } else { es }).to_owned());
            }
        }
        if sentences.len() < 4 && self.rng.gen_bool(0.35) {
            let s = match (main, primary.len() > 1, lang) {
                (_, true, Lang::En) => "The victims had received threats in the preceding months and had asked for protection measures that were never put in place.".to_owned(),
                (_, true, Lang::Es) => "Las víctimas habían recibido amenazas en los meses previos y habían solicitado medidas de protección que nunca se implementaron.".to_owned(),
                (Party::Group(_), _, Lang::En) => "Its leaders had received threats in the preceding months and had asked for protection measures that were never put in place.".to_owned(),
                (Party::Group(_), _, Lang::Es) => "Sus dirigentes habían recibido amenazas en los meses previos y habían solicitado medidas de protección que nunca se implementaron.".to_owned(),
                (Party::Person(i), _, Lang::En) => {
                    let subj = match self.person(i)?.sex {
                        Sex::Female => "She",
                        Sex::Male => "He",
                        _ => "The defender",
                    };
                    format!("{subj} had received threats in the preceding months and had asked for protection measures that were never put in place.")
                }
                (Party::Person(_), _, Lang::Es) => "Había recibido amenazas en los meses previos y había solicitado medidas de protección que nunca se implementaron.".to_owned(),
            };
            sentences.push(s);
        }
        let narrative = sentences.join(" ");

        // Violations.
        let mut violations = Vec::new();
        // Victims of one attack share its perpetrators.
        let shared = if primary.len() > 1 {
            Some(self.perpetrator_inputs(c, kind).await?)
        } else {
            None
        };
        for (n, plan) in plans.iter().enumerate() {
            let o = match plan.party {
                Party::Person(i) => self.person(i)?.o(),
                Party::Group(_) => "o",
            };
            let outcome = self.outcome(plan.kind, lang, o);
            let perpetrators = match &shared {
                Some(p) if n < primary.len() => p.clone(),
                _ => self.perpetrator_inputs(c, plan.kind).await?,
            };
            violations.push(ViolationInput {
                violation_type: plan.kind.code.to_owned(),
                victim: Some(self.party_ref(plan.party)?),
                date: plan.date.map(|(d, p)| date_text(d, p)).unwrap_or_default(),
                outcome,
                reprisal_un: plan.reprisal,
                perpetrators,
            });
        }
        for plan in &plans {
            if let (Party::Person(i), "killing" | "enforced_disappearance") =
                (plan.party, plan.kind.code)
            {
                if let Some(p) = self.persons.get_mut(i) {
                    p.alive = false;
                }
            }
        }

        // Status and sources: `verified` only with two independent sources.
        let status = self.status(year);
        let n_sources = match status {
            IncidentStatus::Verified => self.rng.gen_range(2..=3),
            IncidentStatus::Reported => self.rng.gen_range(1..=2),
            _ => self.rng.gen_range(1..=3),
        };
        let victim_name = match main {
            Party::Group(g) => {
                let mut v = Vars::default();
                self.group_vars(self.group(g)?, lang, &mut v);
                if lang == Lang::En {
                    format!("members {}", v.de_group)
                } else {
                    format!("integrantes {}", v.de_group)
                }
            }
            Party::Person(_) => self.party_name(main)?,
        };
        // One source of each type at most; no relatives of a group.
        let mut used: Vec<String> = if matches!(main, Party::Group(_)) {
            vec!["relative".to_owned()]
        } else {
            Vec::new()
        };
        let mut sources: Vec<SourceInput> = Vec::new();
        for _ in 0..n_sources {
            let exclude: Vec<&str> = used.iter().map(String::as_str).collect();
            let s = self.source(c, lang, &victim_name, place, &exclude);
            used.push(s.source_type.clone());
            sources.push(s);
        }
        if status == IncidentStatus::Verified
            && independent_sources(sources.iter().map(|s| s.origin.as_str())) < 2
        {
            let extra = SourceInput {
                source_type: "ngo".into(),
                reliability: "high".into(),
                origin: one(&mut self.rng, c.ngos).to_owned(),
                description: String::new(),
            };
            sources.push(extra);
        }

        // End date for detentions and kidnappings that ended.
        let end_date = match kind.end_days {
            Some((lo, hi))
                if precision == Precision::Day && primary.len() == 1 && self.rng.gen_bool(0.6) =>
            {
                let end = (start + Duration::days(self.rng.gen_range(lo..=hi))).min(self.today);
                date_text(end, Precision::Day)
            }
            _ => String::new(),
        };
        let (latitude, longitude) = if self.rng.gen_bool(0.35) {
            let lat = region.lat + self.rng.gen_range(-0.25..0.25);
            let lon = region.lon + self.rng.gen_range(-0.25..0.25);
            (
                Some((lat * 1e4).round() / 1e4),
                Some((lon * 1e4).round() / 1e4),
            )
        } else {
            (None, None)
        };

        let input = IncidentInput {
            title,
            narrative,
            start_date: date_text(start, precision),
            end_date,
            country: c.code.to_owned(),
            region: region.name.to_owned(),
            locality: place.to_owned(),
            latitude,
            longitude,
            business_sector: sector.unwrap_or_default().to_owned(),
            status: Some(status),
            verification_override: String::new(),
            external_id: String::new(),
            violations,
            sources,
        };
        self.save_incident(&input).await
    }

    async fn save_incident(&mut self, input: &IncidentInput) -> anyhow::Result<()> {
        self.access
            .create_incident(input)
            .await
            .with_context(|| format!("creating demo incident \u{201c}{}\u{201d}", input.title))?;
        self.summary.incidents += 1;
        Ok(())
    }

    // ------------------------------------------------------------ journeys

    /// Journey 1: an indigenous land defender of a Nasa community in Cauca is shot dead;
    /// his brother had been threatened with death the month before.
    async fn journey_killing(&mut self) -> anyhow::Result<()> {
        let c = country_of("CO").context("demo: Colombia missing")?;
        let community = self
            .group_by_name(JOURNEY_COMMUNITY)
            .context("demo: journey community missing")?;
        let network = self.group_by_name("Red de Guardias Comunitarias del Macizo");
        let killed_on = NaiveDate::from_ymd_opt(2024, 3, 15)
            .unwrap_or(self.today)
            .min(self.today);
        let threatened = truncate(killed_on - Duration::days(30), Precision::Month);

        let mut groups = vec![community];
        groups.extend(network);
        let mut memberships = Vec::new();
        for g in &groups {
            memberships.push(self.group(*g)?.id);
        }
        let defender = PRec {
            id: 0,
            country: c.code,
            kind: PersonKind::Defender,
            given: "Aurelio".into(),
            surnames: vec!["Dagua", "Ipia"],
            sex: Sex::Male,
            feminine: false,
            birth_year: Some(1981),
            profile: profile_of("indigenous"),
            groups,
            alive: false,
            relation: None,
        };
        let input = PersonInput {
            kind: PersonKind::Defender,
            legal_name: defender.name(),
            contacts: "Tel. +57 312 555 0113 (family)".into(),
            address: "Vereda Las Delicias, Caloto, Cauca".into(),
            sex: "male".into(),
            birth_year: Some(1981),
            characteristics: vec![
                "indigenous".into(),
                "community_leader".into(),
                "small_scale_farmer".into(),
            ],
            sectors: vec![
                "land_territory".into(),
                "indigenous_rights".into(),
                "environment".into(),
            ],
            sdg_group: "human_rights_defender".into(),
            memberships,
            consent_record: true,
            consent_share: true,
            consent_publish: PublishConsent::Named,
            external_id: String::new(),
        };
        let aurelio = self.save_person(&input, defender).await?;
        let brother_rec = PRec {
            id: 0,
            country: c.code,
            kind: PersonKind::Relative,
            given: "Jairo".into(),
            surnames: vec!["Dagua", "Ipia"],
            sex: Sex::Male,
            feminine: false,
            birth_year: Some(1985),
            profile: None,
            groups: Vec::new(),
            alive: true,
            relation: Some(("brother", "hermano", aurelio)),
        };
        let input = PersonInput {
            kind: PersonKind::Relative,
            legal_name: brother_rec.name(),
            contacts: "Tel. +57 314 555 0287".into(),
            address: "Vereda Las Delicias, Caloto, Cauca".into(),
            sex: "male".into(),
            birth_year: Some(1985),
            characteristics: Vec::new(),
            sectors: Vec::new(),
            sdg_group: String::new(),
            memberships: Vec::new(),
            consent_record: true,
            consent_share: false,
            consent_publish: PublishConsent::No,
            external_id: String::new(),
        };
        let jairo = self.save_person(&input, brother_rec).await?;
        let age = killed_on.year() - 1981;
        let narrative = format!(
            "{}, Aurelio Dagua Ipia, a {age}-year-old Nasa land defender and coordinator of the indigenous guard of the {JOURNEY_COMMUNITY}, \
             was shot dead by two hired gunmen on a motorcycle as he returned home along the road to Caloto. \
             He had led the community's recovery of ancestral land occupied by sugar cane plantations. \
             {}, his brother Jairo Dagua Ipia had received a text message threatening the family with death if the land recoveries continued.",
            when(killed_on, Precision::Day, Lang::En),
            when(threatened, Precision::Month, Lang::En),
        );
        let input = IncidentInput {
            title: format!(
                "Indigenous land defender of the {JOURNEY_COMMUNITY} shot dead near Caloto"
            ),
            narrative,
            start_date: date_text(killed_on, Precision::Day),
            end_date: String::new(),
            country: "CO".into(),
            region: "Cauca".into(),
            locality: "Caloto".into(),
            latitude: Some(3.0329),
            longitude: Some(-76.4087),
            business_sector: "agribusiness".into(),
            status: Some(IncidentStatus::UnderVerification),
            verification_override: String::new(),
            external_id: String::new(),
            violations: vec![
                ViolationInput {
                    violation_type: "killing".into(),
                    victim: Some(VictimRef::Person(self.person(aurelio)?.id)),
                    date: String::new(),
                    outcome: "Died at the scene".into(),
                    reprisal_un: false,
                    perpetrators: vec![PerpetratorInput {
                        perpetrator_type: "hired_killers".into(),
                        person_id: None,
                        group_id: None,
                    }],
                },
                ViolationInput {
                    violation_type: "death_threat".into(),
                    victim: Some(VictimRef::Person(self.person(jairo)?.id)),
                    date: date_text(threatened, Precision::Month),
                    outcome: "Complaint filed; no protection granted".into(),
                    reprisal_un: false,
                    perpetrators: vec![PerpetratorInput {
                        perpetrator_type: "unknown".into(),
                        person_id: None,
                        group_id: None,
                    }],
                },
            ],
            sources: vec![
                SourceInput {
                    source_type: "relative".into(),
                    reliability: "high".into(),
                    origin: "Jairo Dagua Ipia (brother of the victim)".into(),
                    description: "Testimony taken at the family home the day after the killing."
                        .into(),
                },
                SourceInput {
                    source_type: "media".into(),
                    reliability: "medium".into(),
                    origin: "Emisora Comunitaria Voces del Macizo".into(),
                    description: "Local radio report broadcast the same evening.".into(),
                },
            ],
        };
        self.save_incident(&input).await
    }

    /// Journey 2: a woman journalist who reported on mining in Honduras is arrested and
    /// charged with "usurpation".
    async fn journey_detention(&mut self) -> anyhow::Result<()> {
        let c = country_of("HN").context("demo: Honduras missing")?;
        let collective = self
            .group_by_name("Colectivo de Periodistas del Litoral Atlántico")
            .context("demo: journey group missing")?;
        let arrested = (self.today - Duration::days(12)).max(self.earliest);
        let charged = (arrested + Duration::days(1)).min(self.today);
        let rec = PRec {
            id: 0,
            country: c.code,
            kind: PersonKind::Defender,
            given: "Dania Maribel".into(),
            surnames: vec!["Orellana", "Zúniga"],
            sex: Sex::Female,
            feminine: true,
            birth_year: Some(1989),
            profile: profile_of("journalist"),
            groups: vec![collective],
            alive: true,
            relation: None,
        };
        let input = PersonInput {
            kind: PersonKind::Defender,
            legal_name: rec.name(),
            contacts: "Tel. +504 9555 0147; dania.orellana@example.org".into(),
            address: "Barrio El Centro, Arizona, Atlántida".into(),
            sex: "female".into(),
            birth_year: Some(1989),
            characteristics: vec!["journalist".into()],
            sectors: vec![
                "journalism_media".into(),
                "environment".into(),
                "anti_corruption".into(),
            ],
            sdg_group: "journalist".into(),
            memberships: vec![self.group(collective)?.id],
            consent_record: true,
            consent_share: true,
            consent_publish: PublishConsent::AggregateOnly,
            external_id: String::new(),
        };
        let dania = self.save_person(&input, rec).await?;
        let dania_id = self.person(dania)?.id;
        let narrative = format!(
            "{}, agentes de la Policía Nacional detuvieron sin orden judicial a la periodista Dania Maribel Orellana Zúniga a la salida de la radio donde trabaja, en Arizona, Atlántida. \
             Al día siguiente la fiscalía la acusó de «usurpación» por haber acompañado a familias que ocupan pacíficamente tierras reclamadas por una empresa minera. \
             Desde 2023 había publicado reportajes sobre la contaminación de los ríos de la zona por una mina de óxido de hierro. \
             Permanece en prisión preventiva a la espera de su primera audiencia.",
            when(arrested, Precision::Day, Lang::Es)
        );
        let input = IncidentInput {
            title: "Detienen y acusan de usurpación a periodista que informaba sobre la minería en Arizona, Atlántida".into(),
            narrative,
            start_date: date_text(arrested, Precision::Day),
            end_date: String::new(),
            country: "HN".into(),
            region: "Atlántida".into(),
            locality: "Arizona".into(),
            latitude: None,
            longitude: None,
            business_sector: "mining".into(),
            status: Some(IncidentStatus::Verified),
            verification_override: String::new(),
            external_id: String::new(),
            violations: vec![
                ViolationInput {
                    violation_type: "arbitrary_detention".into(),
                    victim: Some(VictimRef::Person(dania_id)),
                    date: String::new(),
                    outcome: "En prisión preventiva".into(),
                    reprisal_un: false,
                    perpetrators: vec![PerpetratorInput { perpetrator_type: "police".into(), person_id: None, group_id: None }],
                },
                ViolationInput {
                    violation_type: "judicial_harassment".into(),
                    victim: Some(VictimRef::Person(dania_id)),
                    date: date_text(charged, Precision::Day),
                    outcome: "Acusada de usurpación; primera audiencia pendiente".into(),
                    reprisal_un: false,
                    perpetrators: vec![PerpetratorInput { perpetrator_type: "judiciary".into(), person_id: None, group_id: None }],
                },
            ],
            sources: vec![
                SourceInput {
                    source_type: "court_record".into(),
                    reliability: "high".into(),
                    origin: "Juzgado de Letras Seccional de Tela".into(),
                    description: "Requerimiento fiscal y acta de la audiencia de declaración de imputado.".into(),
                },
                SourceInput {
                    source_type: "ngo".into(),
                    reliability: "high".into(),
                    origin: "Red Hondureña de Periodistas Independientes".into(),
                    description: "Alerta publicada el día de la detención.".into(),
                },
                SourceInput {
                    source_type: "media".into(),
                    reliability: "medium".into(),
                    origin: "Semanario Costa Norte".into(),
                    description: "Nota sobre la detención, con declaraciones de su familia.".into(),
                },
            ],
        };
        self.save_incident(&input).await
    }
}

/// The stored form of a date known to `p`: the first day of its month or year.
fn truncate(d: NaiveDate, p: Precision) -> NaiveDate {
    match p {
        Precision::Day => d,
        Precision::Month => d.with_day(1).unwrap_or(d),
        Precision::Year => NaiveDate::from_ymd_opt(d.year(), 1, 1).unwrap_or(d),
    }
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
mod tests {
    use super::*;
    use std::sync::Arc;

    use chrono::TimeZone;
    use vigil_domain::search::IncidentFilter;
    use vigil_domain::vocab::{builtin_of, VocabKind};
    use vigil_domain::{FixedClock, Role};
    use vigil_store::{Actor, NewUser, Store, StoreConfig};

    async fn admin_store(dir: &tempfile::TempDir) -> Access {
        let clock = FixedClock::new(
            chrono::Utc
                .with_ymd_and_hms(2026, 11, 28, 12, 0, 0)
                .unwrap(),
        );
        let store = Store::open(
            StoreConfig::Sqlite {
                path: dir.path().join("vigil.db"),
                key: zeroize::Zeroizing::new([7u8; 32]),
            },
            Arc::new(clock),
        )
        .await
        .unwrap();
        let user = store
            .create_user(
                NewUser {
                    username: "admin".into(),
                    password: zeroize::Zeroizing::new("correct horse battery staple".into()),
                    role: Role::Admin,
                    display_name: "Admin".into(),
                    language: "en".into(),
                },
                None,
            )
            .await
            .unwrap();
        Access::new(store.clone(), Actor::from(&user))
    }

    async fn all_titles(access: &Access) -> Vec<String> {
        let mut titles = Vec::new();
        let mut page = 1;
        loop {
            let p = access
                .incidents(&IncidentFilter {
                    page: Some(page),
                    ..Default::default()
                })
                .await
                .unwrap();
            titles.extend(p.items.iter().map(|i| i.title.clone()));
            if page >= p.pages() {
                break;
            }
            page += 1;
        }
        titles
    }

    async fn total(access: &Access, f: IncidentFilter) -> i64 {
        access.incidents(&f).await.unwrap().total
    }

    #[test]
    fn regions_exist_in_the_country_table() {
        let countries = vigil_domain::country::Countries::get();
        for c in COUNTRIES {
            let country = countries
                .by_alpha2(c.code)
                .unwrap_or_else(|| panic!("{}", c.code));
            for r in c.regions {
                assert!(
                    country.subdivisions.iter().any(|s| s == r.name),
                    "{} is not a subdivision of {}",
                    r.name,
                    c.code
                );
            }
            for g in c.groups {
                assert!(
                    c.regions.iter().any(|r| r.name == g.region),
                    "{} is not a region of {}",
                    g.region,
                    c.code
                );
            }
            for (key, _) in c.profiles {
                assert!(profile_of(key).is_some(), "{key}");
            }
        }
    }

    #[test]
    fn templates_use_only_known_placeholders() {
        let known = [
            "{role}",
            "{place}",
            "{region}",
            "{n}",
            "{victims}",
            "{victim}",
            "{when}",
            "{the_group}",
            "{de_group}",
            "{a_group}",
            "{o}",
        ];
        let mut all: Vec<&str> = Vec::new();
        for k in KINDS {
            for t in [
                k.title_en,
                k.title_es,
                k.group_title_en,
                k.group_title_es,
                k.many_title_en,
                k.many_title_es,
                k.what_en,
                k.what_es,
                k.group_what_en,
                k.group_what_es,
                k.many_what_en,
                k.many_what_es,
                k.outcome_en,
                k.outcome_es,
            ] {
                all.extend(t.iter());
            }
            assert!(
                !k.perps.is_empty() && !k.what_en.is_empty() && !k.what_es.is_empty(),
                "{}",
                k.code
            );
            assert_eq!(
                k.group_ok,
                !k.group_title_en.is_empty() && !k.group_what_es.is_empty(),
                "{}",
                k.code
            );
            assert_eq!(
                k.many_title_en.is_empty(),
                k.many_what_es.is_empty(),
                "{}",
                k.code
            );
            for (f, _) in k.follow {
                assert!(kind_of(f).is_some(), "{f}");
            }
        }
        for t in all {
            let mut rest = t.to_owned();
            for k in known {
                rest = rest.replace(k, "");
            }
            assert!(
                !rest.contains('{') && !rest.contains('}'),
                "unknown placeholder in {t}"
            );
        }
    }

    #[tokio::test]
    async fn seeds_every_term_deterministically_with_the_journeys() {
        let (d1, d2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let (a1, a2) = (admin_store(&d1).await, admin_store(&d2).await);
        let opts = DemoOptions {
            incidents: 120,
            seed: 42,
        };
        let s1 = seed(&a1, &opts).await.unwrap();
        let s2 = seed(&a2, &opts).await.unwrap();
        assert_eq!(s1, s2);
        assert_eq!(s1.incidents, 120);
        assert!(s1.groups >= 40, "{s1:?}");
        assert!(s1.persons >= 80, "{s1:?}");
        assert_eq!(
            a1.counts().await.unwrap(),
            (120, s1.persons as i64, s1.groups as i64)
        );

        // Same seed, same records in the same order.
        let t1 = all_titles(&a1).await;
        assert_eq!(t1.len(), 120);
        assert_eq!(t1, all_titles(&a2).await);

        // A second seed into a filled store is refused.
        assert!(seed(&a1, &opts).await.is_err());

        // Every built-in violation type, perpetrator type and business sector appears.
        for t in builtin_of(VocabKind::ViolationType) {
            let n = total(
                &a1,
                IncidentFilter {
                    violation_type: t.code.clone(),
                    ..Default::default()
                },
            )
            .await;
            assert!(n > 0, "no incident with violation type {}", t.code);
        }
        for t in builtin_of(VocabKind::PerpetratorType) {
            let n = total(
                &a1,
                IncidentFilter {
                    perpetrator_type: t.code.clone(),
                    ..Default::default()
                },
            )
            .await;
            assert!(n > 0, "no incident with perpetrator type {}", t.code);
        }
        for t in builtin_of(VocabKind::BusinessSector) {
            let n = total(
                &a1,
                IncidentFilter {
                    sector: t.code.clone(),
                    ..Default::default()
                },
            )
            .await;
            assert!(n > 0, "no incident in sector {}", t.code);
        }
        let verified = total(
            &a1,
            IncidentFilter {
                status: "verified".into(),
                ..Default::default()
            },
        )
        .await;
        assert!(verified >= 10, "{verified} verified");
        for s in ["reported", "under_verification", "unverifiable", "rejected"] {
            assert!(
                total(
                    &a1,
                    IncidentFilter {
                        status: s.into(),
                        ..Default::default()
                    }
                )
                .await
                    > 0,
                "{s}"
            );
        }
        for c in ["CO", "HN", "GT", "MX", "BR", "PE", "PH", "CD", "IN", "KE"] {
            assert!(
                total(
                    &a1,
                    IncidentFilter {
                        country: c.into(),
                        ..Default::default()
                    }
                )
                .await
                    > 0,
                "{c}"
            );
        }

        // In full: sources of every type, verified ones independent, mixed precision,
        // several violations, group victims, reprisals.
        let all = a1
            .export_incidents(&IncidentFilter::default())
            .await
            .unwrap();
        assert_eq!(all.len(), 120);
        let source_types: BTreeSet<&str> = all
            .iter()
            .flat_map(|i| i.sources.iter().map(|s| s.source_type.as_str()))
            .collect();
        for t in builtin_of(VocabKind::SourceType) {
            assert!(
                source_types.contains(t.code.as_str()),
                "no source of type {}",
                t.code
            );
        }
        for i in all.iter().filter(|i| i.status == IncidentStatus::Verified) {
            assert!(
                independent_sources(i.sources.iter().map(|s| s.origin.as_str())) >= 2,
                "{}",
                i.title
            );
            assert!(i.verification_override.is_none());
        }
        for p in [Precision::Day, Precision::Month, Precision::Year] {
            assert!(all.iter().any(|i| i.start.precision == p), "{p:?}");
        }
        assert!(all.iter().all(|i| i.start.year() >= 2015
            && i.start.date <= NaiveDate::from_ymd_opt(2026, 11, 28).unwrap()));
        assert!(all.iter().filter(|i| i.violations.len() >= 2).count() >= 10);
        assert!(all.iter().any(|i| i
            .violations
            .iter()
            .any(|v| matches!(v.victim.victim, VictimRef::Group(_)))));
        assert!(all
            .iter()
            .any(|i| i.violations.iter().any(|v| v.reprisal_un)));
        assert!(all.iter().any(|i| i.coordinates.is_some()));
        let spanish = all
            .iter()
            .filter(|i| {
                i.narrative
                    .as_deref()
                    .is_some_and(|n| n.starts_with("El ") || n.starts_with("En "))
            })
            .count();
        assert!(
            spanish > 10 && spanish < 110,
            "{spanish} Spanish narratives"
        );
        for i in &all {
            let n = i.narrative.as_deref().unwrap_or_default();
            let sentences = n.matches(". ").count() + 1;
            assert!((2..=4).contains(&sentences), "{sentences} sentences in {n}");
            assert!(!i.title.contains('{') && !n.contains('{'), "{}", i.title);
        }

        // Persons of every kind, with characteristics and sectors.
        for kind in ["defender", "relative", "witness"] {
            let p = a1
                .persons(&vigil_domain::search::PersonFilter {
                    kind: kind.into(),
                    ..Default::default()
                })
                .await
                .unwrap();
            assert!(p.total > 0, "no {kind}");
        }
        for t in builtin_of(VocabKind::Characteristic) {
            let p = a1
                .persons(&vigil_domain::search::PersonFilter {
                    characteristic: t.code.clone(),
                    ..Default::default()
                })
                .await
                .unwrap();
            assert!(p.total > 0, "no person with characteristic {}", t.code);
        }
        for t in builtin_of(VocabKind::SdgGroup) {
            let p = a1
                .persons(&vigil_domain::search::PersonFilter {
                    sdg_group: t.code.clone(),
                    ..Default::default()
                })
                .await
                .unwrap();
            assert!(p.total > 0, "no person in SDG group {}", t.code);
        }

        // Journey 1: the killing is found by the community's name.
        let found = a1
            .incidents(&IncidentFilter {
                q: JOURNEY_COMMUNITY.into(),
                ..Default::default()
            })
            .await
            .unwrap();
        let killing = found
            .items
            .iter()
            .find(|i| i.violation_types.contains(&"killing".to_owned()))
            .expect("journey-1 killing found by its community's name");
        let inc = a1.incident(killing.id).await.unwrap();
        assert_eq!((inc.country.as_str(), inc.region.as_str()), ("CO", "Cauca"));
        assert_eq!(inc.start.to_string(), "2024-03-15");
        assert_eq!(inc.business_sector.as_deref(), Some("agribusiness"));
        assert_eq!(
            inc.violations[0].perpetrators[0].perpetrator_type,
            "hired_killers"
        );
        assert_eq!(inc.violations[1].violation_type, "death_threat");
        assert_eq!(inc.violations[1].date.to_string(), "2024-02");
        let groups = a1.groups(JOURNEY_COMMUNITY, 1).await.unwrap();
        assert_eq!(groups.total, 1);

        // Journey 2: the journalist in Honduras.
        let hn = a1
            .export_incidents(&IncidentFilter {
                country: "HN".into(),
                violation_type: "judicial_harassment".into(),
                ..Default::default()
            })
            .await
            .unwrap();
        assert!(hn
            .iter()
            .any(|i| i.business_sector.as_deref() == Some("mining")
                && i.violations
                    .iter()
                    .map(|v| v.violation_type.as_str())
                    .collect::<Vec<_>>()
                    == ["arbitrary_detention", "judicial_harassment"]));
    }
}
