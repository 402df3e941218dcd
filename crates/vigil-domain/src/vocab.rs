//! Vocabularies: every classified list in Vigil has stable codes and translatable
//! labels. Built-in terms come from DESIGN.md §4 and can never be deleted;
//! administrators may add terms, which the storage layer keeps beside these.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The vocabularies Vigil knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum VocabKind {
    ViolationType,
    PerpetratorType,
    SourceType,
    Reliability,
    BusinessSector,
    Characteristic,
    SectorOfDefence,
    SdgGroup,
    Sex,
    GroupType,
}

impl VocabKind {
    pub const ALL: [VocabKind; 10] = [
        VocabKind::ViolationType,
        VocabKind::PerpetratorType,
        VocabKind::SourceType,
        VocabKind::Reliability,
        VocabKind::BusinessSector,
        VocabKind::Characteristic,
        VocabKind::SectorOfDefence,
        VocabKind::SdgGroup,
        VocabKind::Sex,
        VocabKind::GroupType,
    ];

    pub fn code(self) -> &'static str {
        match self {
            VocabKind::ViolationType => "violation_type",
            VocabKind::PerpetratorType => "perpetrator_type",
            VocabKind::SourceType => "source_type",
            VocabKind::Reliability => "reliability",
            VocabKind::BusinessSector => "business_sector",
            VocabKind::Characteristic => "characteristic",
            VocabKind::SectorOfDefence => "sector_of_defence",
            VocabKind::SdgGroup => "sdg_group",
            VocabKind::Sex => "sex",
            VocabKind::GroupType => "group_type",
        }
    }
}

impl fmt::Display for VocabKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for VocabKind {
    type Err = crate::DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        VocabKind::ALL
            .into_iter()
            .find(|k| k.code() == s)
            .ok_or_else(|| crate::DomainError::Unknown {
                what: "vocabulary",
                value: s.to_owned(),
            })
    }
}

/// SDG 16.10.1 category of a violation type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SdgCategory {
    Killing,
    EnforcedDisappearance,
    Kidnapping,
    ArbitraryDetention,
    Torture,
    OtherHarmfulAct,
}

/// The resolution's verbs: what it condemns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ResolutionVerb {
    Killing,
    Criminalisation,
    Curtailing,
}

/// Extra meaning some terms carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TermAttrs {
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub sdg_category: Option<SdgCategory>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub verb: Option<ResolutionVerb>,
    /// For perpetrator types: `Some(true)` state, `Some(false)` non-state, `None` unknown.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub state_actor: Option<bool>,
}

/// A vocabulary term as stored and shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Term {
    pub kind: VocabKind,
    pub code: String,
    pub label_en: String,
    pub label_es: String,
    pub builtin: bool,
    #[serde(default)]
    pub attrs: TermAttrs,
}

impl Term {
    /// The label in the given language (`es` or anything else for English).
    pub fn label(&self, lang: &str) -> &str {
        if lang.starts_with("es") && !self.label_es.is_empty() {
            &self.label_es
        } else {
            &self.label_en
        }
    }
}

/// Is `code` a well-formed term code? Lower-case ASCII letters, digits and `_`,
/// starting with a letter, at most 64 characters.
pub fn valid_code(code: &str) -> bool {
    let mut chars = code.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase())
        && code.len() <= 64
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

use ResolutionVerb as V;
use SdgCategory as S;

type Builtin = (&'static str, &'static str, &'static str, TermAttrs);

const fn vt(code: &'static str, en: &'static str, es: &'static str, s: S, v: Option<V>) -> Builtin {
    (
        code,
        en,
        es,
        TermAttrs {
            sdg_category: Some(s),
            verb: v,
            state_actor: None,
        },
    )
}

const fn pt(
    code: &'static str,
    en: &'static str,
    es: &'static str,
    state: Option<bool>,
) -> Builtin {
    (
        code,
        en,
        es,
        TermAttrs {
            sdg_category: None,
            verb: None,
            state_actor: state,
        },
    )
}

const fn t(code: &'static str, en: &'static str, es: &'static str) -> Builtin {
    (
        code,
        en,
        es,
        TermAttrs {
            sdg_category: None,
            verb: None,
            state_actor: None,
        },
    )
}

const VIOLATION_TYPES: &[Builtin] = &[
    vt(
        "killing",
        "Killing",
        "Asesinato",
        S::Killing,
        Some(V::Killing),
    ),
    vt(
        "attempted_killing",
        "Attempted killing",
        "Intento de asesinato",
        S::OtherHarmfulAct,
        Some(V::Killing),
    ),
    vt(
        "enforced_disappearance",
        "Enforced disappearance",
        "Desaparición forzada",
        S::EnforcedDisappearance,
        None,
    ),
    vt("kidnapping", "Kidnapping", "Secuestro", S::Kidnapping, None),
    vt("torture", "Torture", "Tortura", S::Torture, None),
    vt(
        "physical_attack",
        "Physical attack",
        "Agresión física",
        S::OtherHarmfulAct,
        None,
    ),
    vt(
        "sexual_violence",
        "Sexual violence",
        "Violencia sexual",
        S::OtherHarmfulAct,
        None,
    ),
    vt(
        "arbitrary_detention",
        "Arbitrary detention",
        "Detención arbitraria",
        S::ArbitraryDetention,
        Some(V::Criminalisation),
    ),
    vt(
        "judicial_harassment",
        "Judicial harassment",
        "Hostigamiento judicial",
        S::OtherHarmfulAct,
        Some(V::Criminalisation),
    ),
    vt(
        "death_threat",
        "Death threat",
        "Amenaza de muerte",
        S::OtherHarmfulAct,
        None,
    ),
    vt("threat", "Threat", "Amenaza", S::OtherHarmfulAct, None),
    vt(
        "surveillance",
        "Surveillance",
        "Vigilancia",
        S::OtherHarmfulAct,
        Some(V::Curtailing),
    ),
    vt(
        "digital_attack",
        "Digital attack",
        "Ataque digital",
        S::OtherHarmfulAct,
        Some(V::Curtailing),
    ),
    vt(
        "smear_campaign",
        "Smear campaign",
        "Campaña de estigmatización",
        S::OtherHarmfulAct,
        None,
    ),
    vt("raid", "Raid", "Allanamiento", S::OtherHarmfulAct, None),
    vt(
        "property_destruction",
        "Destruction of property",
        "Destrucción de bienes",
        S::OtherHarmfulAct,
        None,
    ),
    vt(
        "travel_restriction",
        "Travel restriction",
        "Restricción de viaje",
        S::OtherHarmfulAct,
        Some(V::Curtailing),
    ),
    vt(
        "association_restriction",
        "Restriction of association",
        "Restricción de la asociación",
        S::OtherHarmfulAct,
        Some(V::Curtailing),
    ),
    vt(
        "assembly_restriction",
        "Restriction of assembly",
        "Restricción de la reunión",
        S::OtherHarmfulAct,
        Some(V::Curtailing),
    ),
    vt(
        "expression_restriction",
        "Restriction of expression",
        "Restricción de la expresión",
        S::OtherHarmfulAct,
        Some(V::Curtailing),
    ),
];

const PERPETRATOR_TYPES: &[Builtin] = &[
    pt("military", "Military", "Fuerzas militares", Some(true)),
    pt("police", "Police", "Policía", Some(true)),
    pt(
        "judiciary",
        "Judiciary and prosecutors",
        "Poder judicial y fiscalía",
        Some(true),
    ),
    pt(
        "government_officials",
        "Government officials",
        "Funcionarios de gobierno",
        Some(true),
    ),
    pt("paramilitary", "Paramilitary", "Paramilitares", Some(false)),
    pt(
        "private_security",
        "Private security",
        "Seguridad privada",
        Some(false),
    ),
    pt("company", "Company", "Empresa", Some(false)),
    pt(
        "organised_crime",
        "Organised crime",
        "Crimen organizado",
        Some(false),
    ),
    pt("hired_killers", "Hired killers", "Sicarios", Some(false)),
    pt("landowners", "Landowners", "Terratenientes", Some(false)),
    pt("armed_group", "Armed group", "Grupo armado", Some(false)),
    pt(
        "community_members",
        "Community members",
        "Miembros de la comunidad",
        Some(false),
    ),
    pt("other", "Other", "Otro", Some(false)),
    pt("unknown", "Unknown", "Desconocido", None),
];

const SOURCE_TYPES: &[Builtin] = &[
    t("victim", "Victim", "Víctima"),
    t("witness", "Witness", "Testigo"),
    t("relative", "Relative", "Familiar"),
    t("ngo", "NGO", "ONG"),
    t("media", "Media", "Medios de comunicación"),
    t(
        "official_document",
        "Official document",
        "Documento oficial",
    ),
    t("court_record", "Court record", "Expediente judicial"),
    t("social_media", "Social media", "Redes sociales"),
];

const RELIABILITY: &[Builtin] = &[
    t("high", "High", "Alta"),
    t("medium", "Medium", "Media"),
    t("low", "Low", "Baja"),
    t("unknown", "Unknown", "Desconocida"),
];

const BUSINESS_SECTORS: &[Builtin] = &[
    t("mining", "Mining", "Minería"),
    t("agribusiness", "Agribusiness", "Agroindustria"),
    t("logging", "Logging", "Tala"),
    t("hydropower", "Hydropower", "Hidroeléctrica"),
    t("oil_gas", "Oil and gas", "Petróleo y gas"),
    t("infrastructure", "Infrastructure", "Infraestructura"),
    t("renewable_energy", "Renewable energy", "Energía renovable"),
    t("fishing", "Fishing", "Pesca"),
    t("tourism", "Tourism", "Turismo"),
    t("none", "No business sector", "Ningún sector empresarial"),
];

const CHARACTERISTICS: &[Builtin] = &[
    t("indigenous", "Indigenous", "Indígena"),
    t("afro_descendant", "Afro-descendant", "Afrodescendiente"),
    t("small_scale_farmer", "Small-scale farmer", "Campesino/a"),
    t("park_ranger", "Park ranger", "Guardaparques"),
    t("lawyer", "Lawyer", "Abogado/a"),
    t("student", "Student", "Estudiante"),
    t(
        "community_leader",
        "Community leader",
        "Líder comunitario/a",
    ),
    t("journalist", "Journalist", "Periodista"),
    t("trade_unionist", "Trade unionist", "Sindicalista"),
    t("religious_leader", "Religious leader", "Líder religioso/a"),
    t("lgbti", "LGBTI person", "Persona LGBTI"),
    t("migrant", "Migrant", "Migrante"),
    t(
        "person_with_disability",
        "Person with disability",
        "Persona con discapacidad",
    ),
];

const SECTORS_OF_DEFENCE: &[Builtin] = &[
    t("environment", "Environment", "Medio ambiente"),
    t(
        "land_territory",
        "Land and territory",
        "Tierra y territorio",
    ),
    t(
        "indigenous_rights",
        "Indigenous peoples' rights",
        "Derechos de los pueblos indígenas",
    ),
    t("womens_rights", "Women's rights", "Derechos de las mujeres"),
    t("lgbti_rights", "LGBTI rights", "Derechos LGBTI"),
    t("labour_rights", "Labour rights", "Derechos laborales"),
    t(
        "journalism_media",
        "Journalism and media",
        "Periodismo y medios",
    ),
    t(
        "anti_corruption",
        "Anti-corruption",
        "Lucha contra la corrupción",
    ),
    t("legal", "Legal defence", "Defensa jurídica"),
    t(
        "minority_rights",
        "Minority rights",
        "Derechos de las minorías",
    ),
    t(
        "migrants_rights",
        "Migrants' rights",
        "Derechos de las personas migrantes",
    ),
    t(
        "civil_political",
        "Civil and political rights",
        "Derechos civiles y políticos",
    ),
    t("health", "Right to health", "Derecho a la salud"),
    t("housing", "Right to housing", "Derecho a la vivienda"),
];

const SDG_GROUPS: &[Builtin] = &[
    t(
        "human_rights_defender",
        "Human rights defender",
        "Defensor/a de derechos humanos",
    ),
    t(
        "journalist",
        "Journalist or media worker",
        "Periodista o trabajador/a de medios",
    ),
    t("trade_unionist", "Trade unionist", "Sindicalista"),
];

const SEXES: &[Builtin] = &[
    t("female", "Female", "Mujer"),
    t("male", "Male", "Hombre"),
    t("intersex", "Intersex", "Intersexual"),
    t("unknown", "Unknown", "Desconocido"),
];

const GROUP_TYPES: &[Builtin] = &[
    t("organisation", "Organisation", "Organización"),
    t("community", "Community", "Comunidad"),
    t("movement", "Movement", "Movimiento"),
    t("network", "Network", "Red"),
];

fn builtin_table(kind: VocabKind) -> &'static [Builtin] {
    match kind {
        VocabKind::ViolationType => VIOLATION_TYPES,
        VocabKind::PerpetratorType => PERPETRATOR_TYPES,
        VocabKind::SourceType => SOURCE_TYPES,
        VocabKind::Reliability => RELIABILITY,
        VocabKind::BusinessSector => BUSINESS_SECTORS,
        VocabKind::Characteristic => CHARACTERISTICS,
        VocabKind::SectorOfDefence => SECTORS_OF_DEFENCE,
        VocabKind::SdgGroup => SDG_GROUPS,
        VocabKind::Sex => SEXES,
        VocabKind::GroupType => GROUP_TYPES,
    }
}

/// Every built-in term of every vocabulary, in display order.
pub fn builtin_terms() -> impl Iterator<Item = Term> {
    VocabKind::ALL.into_iter().flat_map(|kind| {
        builtin_table(kind)
            .iter()
            .map(move |(code, en, es, attrs)| Term {
                kind,
                code: (*code).to_owned(),
                label_en: (*en).to_owned(),
                label_es: (*es).to_owned(),
                builtin: true,
                attrs: *attrs,
            })
    })
}

/// The built-in terms of one vocabulary.
pub fn builtin_of(kind: VocabKind) -> impl Iterator<Item = Term> {
    builtin_terms().filter(move |t| t.kind == kind)
}

/// A vocabulary snapshot (built-in plus administrator terms) used to check codes.
#[derive(Debug, Clone, Default)]
pub struct Vocabularies {
    terms: Vec<Term>,
}

impl Vocabularies {
    pub fn new(terms: Vec<Term>) -> Self {
        Self { terms }
    }

    pub fn builtin() -> Self {
        Self::new(builtin_terms().collect())
    }

    pub fn get(&self, kind: VocabKind, code: &str) -> Option<&Term> {
        self.terms.iter().find(|t| t.kind == kind && t.code == code)
    }

    pub fn contains(&self, kind: VocabKind, code: &str) -> bool {
        self.get(kind, code).is_some()
    }

    pub fn of(&self, kind: VocabKind) -> impl Iterator<Item = &Term> {
        self.terms.iter().filter(move |t| t.kind == kind)
    }

    pub fn all(&self) -> &[Term] {
        &self.terms
    }

    /// The label of `code` in `lang`, or the code itself when unknown.
    pub fn label<'a>(&'a self, kind: VocabKind, code: &'a str, lang: &str) -> &'a str {
        self.get(kind, code).map_or(code, |t| t.label(lang))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn design_violation_types_are_built_in_with_their_categories() {
        let v = Vocabularies::builtin();
        assert_eq!(v.of(VocabKind::ViolationType).count(), 20);
        let killing = v.get(VocabKind::ViolationType, "killing");
        assert_eq!(
            killing.and_then(|t| t.attrs.sdg_category),
            Some(SdgCategory::Killing)
        );
        let detention = v.get(VocabKind::ViolationType, "arbitrary_detention");
        assert_eq!(
            detention.and_then(|t| t.attrs.verb),
            Some(ResolutionVerb::Criminalisation)
        );
        let surveillance = v.get(VocabKind::ViolationType, "surveillance");
        assert_eq!(
            surveillance.and_then(|t| t.attrs.verb),
            Some(ResolutionVerb::Curtailing)
        );
    }

    #[test]
    fn perpetrator_types_carry_state_actor_flag() {
        let v = Vocabularies::builtin();
        let state = |c: &str| {
            v.get(VocabKind::PerpetratorType, c)
                .map(|t| t.attrs.state_actor)
        };
        assert_eq!(state("police"), Some(Some(true)));
        assert_eq!(state("hired_killers"), Some(Some(false)));
        assert_eq!(state("unknown"), Some(None));
    }

    #[test]
    fn every_builtin_code_is_well_formed_unique_and_translated() {
        let mut seen = std::collections::HashSet::new();
        for t in builtin_terms() {
            assert!(valid_code(&t.code), "{}", t.code);
            assert!(
                seen.insert((t.kind, t.code.clone())),
                "duplicate {}",
                t.code
            );
            assert!(
                !t.label_en.is_empty() && !t.label_es.is_empty(),
                "{}",
                t.code
            );
        }
    }

    #[test]
    fn code_syntax() {
        assert!(valid_code("oil_gas"));
        assert!(!valid_code("Oil"));
        assert!(!valid_code("1abc"));
        assert!(!valid_code(""));
        assert!(!valid_code("a-b"));
    }
}
