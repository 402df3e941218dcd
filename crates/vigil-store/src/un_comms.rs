//! UN communications (issue 6, point 6): a submission to the Special Rapporteur on the
//! situation of human rights defenders, assembled from a case, its person and linked
//! incidents, and a record of each generation.
//!
//! Generating one is a sensitive read (legal name, narratives) that leaves Vigil: it
//! needs [`Permission::ManageCases`] **and** [`Permission::ReadSensitive`], and is
//! refused — with only the refusal written to the audit log — when the person has not
//! consented to sharing with the UN (`consent_share`, "partner organisations and the
//! United Nations"). It must never produce a submission for someone who did not
//! consent, and never keep its text: only who, when, which case, which format and the
//! text's SHA-256.

use sha2::{Digest, Sha256};
use vigil_domain::country::Countries;
use vigil_domain::model::{Id, Incident, Person, PublishConsent, VictimRef};
use vigil_domain::un_comm::*;
use vigil_domain::validate::FieldErrors;
use vigil_domain::vocab::{VocabKind, Vocabularies};
use vigil_domain::Permission;

use crate::access::Access;
use crate::audit::{Action, AuditEntry};
use crate::{parse_time, Result, Store, StoreError};

const STEPS: &str = "un_communications.authorities_steps";
const CONTACT: &str = "un_communications.contact";

fn refused(field: &str, key: &str) -> StoreError {
    let mut e = FieldErrors::default();
    e.add(field, key, None);
    StoreError::Invalid(e)
}

/// The SHA-256 of a submission's plain text, hex.
pub fn text_digest(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// What was recorded of one generation, before it is stored.
struct NewRecord<'a> {
    case_id: Id,
    person_id: Id,
    input: &'a ValidUnInput,
    format: UnFormat,
    incident_ids: &'a [Id],
    text_sha256: &'a str,
    user: Id,
}

impl Store {
    async fn insert_un_record(&self, r: &NewRecord<'_>, audit: AuditEntry) -> Result<Id> {
        let mut tx = self.db.begin().await?;
        let rows = tx
            .query(
                "INSERT INTO un_communications (case_id, person_id, kind, format, authorities_steps, organisation,
                   contact, incident_ids, text_sha256, created_by, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
                &[
                    r.case_id.into(),
                    r.person_id.into(),
                    r.input.kind.code().into(),
                    r.format.code().into(),
                    self.seal(STEPS, &r.input.authorities_steps).into(),
                    r.input.organisation.clone().into(),
                    self.seal(CONTACT, &r.input.contact).into(),
                    serde_json::to_string(r.incident_ids)
                        .unwrap_or_else(|_| "[]".into())
                        .into(),
                    r.text_sha256.to_owned().into(),
                    r.user.into(),
                    self.now_text().into(),
                ],
            )
            .await?;
        let id = rows.first().map(|x| x.int(0)).ok_or(StoreError::NotFound)?;
        self.audit_opt_in(&mut tx, Some(audit), id).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The generations recorded for a case the reader may see, newest first.
    pub async fn un_records(&self, case: Id) -> Result<Vec<UnRecord>> {
        let rows = self
            .db
            .query(
                &format!(
                    "SELECT x.id, x.case_id, x.kind, x.format, x.incident_ids, x.text_sha256, u.username, x.created_at
                     FROM un_communications x JOIN cases c ON c.id = x.case_id LEFT JOIN users u ON u.id = x.created_by
                     WHERE x.case_id = $1 AND {} ORDER BY x.id DESC",
                    self.visible("c.compartment_id")
                ),
                &[case.into()],
            )
            .await?;
        Ok(rows
            .iter()
            .filter_map(|r| {
                Some(UnRecord {
                    id: r.int(0),
                    case_id: r.int(1),
                    kind: r.text(2).parse().ok()?,
                    format: UnFormat::parse(&r.text(3))?,
                    incident_ids: serde_json::from_str(&r.text(4)).unwrap_or_default(),
                    text_sha256: r.text(5),
                    created_by: r.opt_text(6),
                    created_at: parse_time(&r.text(7)),
                })
            })
            .collect())
    }

    /// The input of the latest generation for a case (to fill the form again), if any.
    pub async fn last_un_input(&self, case: Id) -> Result<Option<UnInput>> {
        let rows = self
            .db
            .query(
                &format!(
                    "SELECT x.kind, x.authorities_steps, x.organisation, x.contact
                     FROM un_communications x JOIN cases c ON c.id = x.case_id
                     WHERE x.case_id = $1 AND {} ORDER BY x.id DESC LIMIT 1",
                    self.visible("c.compartment_id")
                ),
                &[case.into()],
            )
            .await?;
        match rows.first() {
            None => Ok(None),
            Some(r) => Ok(Some(UnInput {
                kind: r.text(0),
                authorities_steps: self.unseal(STEPS, r.text(1))?,
                organisation: r.text(2),
                contact: self.unseal(CONTACT, r.text(3))?,
            })),
        }
    }
}

/// The person's consent, as the form shows it before anything is generated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnEligibility {
    /// A person who consented to sharing with the UN.
    Consented,
    /// A person who did not.
    NoConsent,
    /// The case protects a group: Vigil records no consent for groups.
    Group,
}

fn label(vocab: &Vocabularies, kind: VocabKind, code: &str) -> String {
    vocab.label(kind, code, "en").to_owned()
}

fn place(i: &Incident) -> String {
    let country = Countries::get()
        .by_alpha2(&i.country)
        .map(|c| c.name("en").to_owned())
        .unwrap_or_else(|| i.country.clone());
    [i.locality.trim(), i.region.trim(), country.trim()]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(", ")
}

fn perpetrators(vocab: &Vocabularies, v: &vigil_domain::model::Violation) -> Vec<UnPerpetrator> {
    v.perpetrators
        .iter()
        .map(|p| {
            let term = vocab.get(VocabKind::PerpetratorType, &p.perpetrator_type);
            let actor = match term.and_then(|t| t.attrs.state_actor) {
                Some(true) => "state",
                Some(false) => "non_state",
                None => "unknown",
            };
            let name = p
                .person
                .as_ref()
                .or(p.group.as_ref())
                .map(|r| r.label().to_owned());
            UnPerpetrator {
                perpetrator_type: label(vocab, VocabKind::PerpetratorType, &p.perpetrator_type),
                actor: actor.to_owned(),
                name,
            }
        })
        .collect()
}

impl Access {
    fn require_un(&self) -> Result<()> {
        if self.can(Permission::ManageCases) && self.can(Permission::ReadSensitive) {
            Ok(())
        } else {
            tracing::debug!(
                user = self.actor().user_id,
                "permission denied: UN communication"
            );
            Err(StoreError::Forbidden)
        }
    }

    fn un_entry(&self, action: Action) -> AuditEntry {
        AuditEntry::new(action, "un_communication").by(self.actor())
    }

    /// The case's person, if the case protects a person the reader may see.
    async fn un_subject(&self, case: Id) -> Result<(vigil_domain::case::Case, Option<Person>)> {
        let s = self.store();
        let c = s.case(case).await?;
        let person = match c.subject {
            VictimRef::Person(p) => Some(s.person(p).await?),
            VictimRef::Group(_) => None,
        };
        Ok((c, person))
    }

    /// Whether a submission may be generated for this case's subject (for the form;
    /// generating checks again). Reads only the consent flags: not audited.
    pub async fn un_eligibility(&self, case: Id) -> Result<UnEligibility> {
        self.require_un()?;
        Ok(match self.un_subject(case).await?.1 {
            None => UnEligibility::Group,
            Some(p) if p.consent_share => UnEligibility::Consented,
            Some(_) => UnEligibility::NoConsent,
        })
    }

    /// The generations recorded for a case, newest first.
    pub async fn un_records(&self, case: Id) -> Result<Vec<UnRecord>> {
        self.require_un()?;
        self.store().case(case).await?;
        self.store().un_records(case).await
    }

    /// What to put in the form: the latest generation's input for this case (steps,
    /// organisation, contact are sensitive: only for those who may generate).
    pub async fn last_un_input(&self, case: Id) -> Result<Option<UnInput>> {
        self.require_un()?;
        self.store().case(case).await?;
        self.store().last_un_input(case).await
    }

    /// Generate a submission from a case, recorded (table and audit log) with the
    /// format it is handed out in. Refused — field `consent`, key
    /// `err-un-no-consent`, with an `export_refused` audit entry and nothing else
    /// written — when the person has not consented to sharing with the UN; refused as
    /// invalid, with nothing written, for a group, a person without a recorded legal
    /// name, a case without linked incidents, or a bad form.
    pub async fn generate_un_communication(
        &self,
        case: Id,
        input: &UnInput,
        format: UnFormat,
    ) -> Result<(UnCommunication, UnRecord)> {
        self.require_un()?;
        let (c, person) = self.un_subject(case).await?;
        let Some(person) = person else {
            return Err(refused("consent", "err-un-group"));
        };
        if !person.consent_share {
            self.store()
                .audit(
                    &self
                        .un_entry(Action::ExportRefused)
                        .with("case_id", case)
                        .with("person_id", person.id)
                        .with("format", format.code())
                        .with("reason", "no_consent_share"),
                )
                .await?;
            return Err(refused("consent", "err-un-no-consent"));
        }
        let valid = input.validate()?;
        let name = person
            .legal_name
            .as_deref()
            .map(str::trim)
            .unwrap_or_default();
        if name.is_empty() {
            return Err(refused("consent", "err-un-no-name"));
        }
        let s = self.store();
        let linked = s.case_incidents(case).await?;
        if linked.is_empty() {
            return Err(refused("consent", "err-un-no-incident"));
        }
        let vocab = s.vocabularies().await?;
        let today = s.clock().now().date_naive();
        let mut events = Vec::new();
        let mut responsible: Vec<UnPerpetrator> = Vec::new();
        for (id, _, _) in &linked {
            let i = s.incident(*id).await?;
            let violations: Vec<UnViolation> = i
                .violations
                .iter()
                .filter(|v| v.victim.victim == VictimRef::Person(person.id))
                .map(|v| UnViolation {
                    violation_type: label(&vocab, VocabKind::ViolationType, &v.violation_type),
                    date: v.date,
                    outcome: v.outcome.clone(),
                    reprisal_un: v.reprisal_un,
                    perpetrators: perpetrators(&vocab, v),
                })
                .collect();
            for p in violations.iter().flat_map(|v| &v.perpetrators) {
                if !responsible.contains(p) {
                    responsible.push(p.clone());
                }
            }
            events.push(UnEvent {
                incident_id: i.id,
                title: i.title.clone(),
                start: i.start,
                end: i.end,
                place: place(&i),
                violations,
                narrative: i.narrative.clone().unwrap_or_default(),
            });
        }
        let mut organisations = Vec::new();
        for m in &person.memberships {
            if let VictimRef::Group(g) = m.victim {
                match s.group(g).await {
                    Ok(g) => organisations.push(format!(
                        "{} ({})",
                        g.name,
                        label(&vocab, VocabKind::GroupType, &g.group_type).to_lowercase()
                    )),
                    // A group in a compartment the reader does not see is left out.
                    Err(StoreError::NotFound) => {}
                    Err(e) => return Err(e),
                }
            }
        }
        let labels = |kind: VocabKind, codes: &[String]| -> Vec<String> {
            codes.iter().map(|c| label(&vocab, kind, c)).collect()
        };
        let comm = UnCommunication {
            kind: valid.kind,
            generated_on: today,
            case_id: c.id,
            victim: UnVictim {
                name: name.to_owned(),
                code: person.code.clone(),
                sex: person
                    .sex
                    .as_deref()
                    .filter(|x| !x.is_empty())
                    .map(|x| label(&vocab, VocabKind::Sex, x)),
                age_group: age_group(person.birth_year, today),
                sectors: labels(VocabKind::SectorOfDefence, &person.sectors),
                characteristics: labels(VocabKind::Characteristic, &person.characteristics),
                sdg_group: person
                    .sdg_group
                    .as_deref()
                    .filter(|x| !x.is_empty())
                    .map(|x| label(&vocab, VocabKind::SdgGroup, x)),
                organisations,
            },
            events,
            responsible,
            authorities_steps: valid.authorities_steps.clone(),
            consent: UnConsent {
                share_with_un: true,
                named_in_public_reports: person.consent_publish == PublishConsent::Named,
                publish: person.consent_publish,
            },
            organisation: valid.organisation.clone(),
            contact: valid.contact.clone(),
            prepared_by: self.actor().username.clone(),
        };
        let digest = text_digest(&comm.to_text());
        let incident_ids: Vec<Id> = linked.iter().map(|(id, _, _)| *id).collect();
        let audit = self
            .un_entry(Action::Export)
            .with("case_id", case)
            .with("person_id", person.id)
            .with("format", format.code())
            .with("kind", valid.kind.code())
            .with("incident_ids", incident_ids.clone())
            .with("text_sha256", digest.clone());
        let id = s
            .insert_un_record(
                &NewRecord {
                    case_id: case,
                    person_id: person.id,
                    input: &valid,
                    format,
                    incident_ids: &incident_ids,
                    text_sha256: &digest,
                    user: self.actor().user_id,
                },
                audit,
            )
            .await?;
        let record = s
            .un_records(case)
            .await?
            .into_iter()
            .find(|r| r.id == id)
            .ok_or(StoreError::NotFound)?;
        Ok((comm, record))
    }
}

/// Put each generation in a case's timeline ("UN communication generated"), on the
/// day it was generated, after what else happened that day.
pub fn add_to_timeline(
    timeline: &mut Vec<vigil_domain::case::TimelineEntry>,
    records: &[UnRecord],
) {
    timeline.extend(
        records
            .iter()
            .rev()
            .map(|r| vigil_domain::case::TimelineEntry {
                date: r.created_at.date_naive(),
                kind: "un_communication".into(),
                id: r.id,
                label: r.kind.code().into(),
                status: None,
            }),
    );
    timeline.sort_by_key(|e| e.date);
}
