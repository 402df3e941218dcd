//! The demo's public portal (journey 3 and issue 6 point 7): a statistics release
//! frozen, published, then revised after "new evidence" (three killings of last year
//! documented after the freeze) and published again, so the public release page shows
//! a figure's history and the reason; and an urgent alert drafted from the protection
//! case of the journey-1 defender (who consented to be named), approved and published
//! by the administrator seeding the demo. Everything goes through the authorising
//! layer, like the rest of the demo.

use anyhow::Context;
use chrono::{Datelike, Duration, NaiveDate};
use rand::Rng;
use vigil_domain::model::{
    IncidentInput, IncidentStatus, PerpetratorInput, PersonKind, Precision, PublishConsent,
    SourceInput, VictimRef, ViolationInput,
};
use vigil_domain::public::AlertInput;
use vigil_domain::release::{ReleaseInput, ReleaseQuery};
use vigil_domain::stats::StatsParams;
use vigil_domain::Permission;
use vigil_store::cases::CaseList;

use super::{country_of, date_text, one, Gen};

/// Killings documented after the release was frozen (the revision's reason).
pub const LATE_KILLINGS: usize = 3;

/// Where the late killings happened: one partner's report, so the revision changes
/// one country's figure visibly.
const LATE_COUNTRY: &str = "CO";

/// The release's disclosure threshold: counts of 1 and 2 are hidden. Lower than the
/// default (5) so the small demo's figures are not all hidden.
const THRESHOLD: &str = "3";

/// The year a release made "today" counts: the last complete one.
fn last_year(today: NaiveDate) -> i32 {
    today.year() - 1
}

fn release_input(year: i32) -> ReleaseInput {
    ReleaseInput {
        title: format!("Killings of human rights defenders in {year}, by country"),
        kind: "statistics".into(),
        query: ReleaseQuery {
            stats: StatsParams {
                measure: "victims".into(),
                by: "country".into(),
                year: year.to_string(),
                violation_type: "killing".into(),
                status: IncidentStatus::Verified.code().into(),
                ..StatsParams::default()
            },
            ..ReleaseQuery::default()
        },
        methodology: format!(
            "Defenders killed in {year}, counted once per person, by the country where the \
             killing happened. Only incidents verified with at least two independent sources \
             are counted. Counts of 1 and 2 are not shown, so that no victim can be \
             recognised from a small figure."
        ),
        threshold: THRESHOLD.into(),
    }
}

impl Gen<'_> {
    /// Freeze and publish last year's killings release. Returns its id, or `None` for
    /// a user who may not publish releases.
    pub(super) async fn freeze_release(&mut self) -> anyhow::Result<Option<i64>> {
        if !self.access.can(Permission::PublishReleases) {
            return Ok(None);
        }
        let input = release_input(last_year(self.today));
        let id = self
            .access
            .create_release(&input)
            .await
            .context("freezing the demo release")?;
        self.access
            .publish_release(id, true)
            .await
            .context("publishing the demo release")?;
        Ok(Some(id))
    }

    /// A killing last year, verified, documented after the release was frozen.
    pub(super) async fn late_killing(&mut self) -> anyhow::Result<()> {
        let c = country_of(LATE_COUNTRY).context("demo: late-killing country missing")?;
        let region = c
            .regions
            .get(self.rng.gen_range(0..c.regions.len().max(1)))
            .context("demo: country without regions")?;
        let place = one(&mut self.rng, region.localities);
        self.here = Some((region, place));
        let year = last_year(self.today);
        let first = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(self.today);
        let day = first + Duration::days(self.rng.gen_range(0..365));
        let defender = self.new_defender(c, year, 0.45, None).await?;
        let (name, id) = {
            let p = self.person(defender)?;
            (p.name(), p.id)
        };
        if let Some(p) = self.persons.get_mut(defender) {
            p.alive = false;
        }
        let ngo = one(&mut self.rng, c.ngos);
        let media = one(&mut self.rng, c.media);
        let input = IncidentInput {
            title: format!("Human rights defender shot dead in {place}"),
            narrative: format!(
                "{name} was shot dead by unidentified gunmen near their home in {place}, {}. \
                 The killing was first known only to the family; {ngo} documented it months \
                 later with witnesses who had fled the area, and {media} confirmed it.",
                region.name
            ),
            start_date: date_text(day, Precision::Day),
            end_date: String::new(),
            country: c.code.to_owned(),
            region: region.name.to_owned(),
            locality: place.to_owned(),
            latitude: None,
            longitude: None,
            business_sector: String::new(),
            status: Some(IncidentStatus::Verified),
            verification_override: String::new(),
            external_id: String::new(),
            violations: vec![ViolationInput {
                violation_type: "killing".into(),
                victim: Some(VictimRef::Person(id)),
                date: String::new(),
                outcome: "Died at the scene".into(),
                reprisal_un: false,
                perpetrators: vec![PerpetratorInput {
                    perpetrator_type: "hired_killers".into(),
                    person_id: None,
                    group_id: None,
                }],
            }],
            sources: vec![
                SourceInput {
                    source_type: "ngo".into(),
                    reliability: "high".into(),
                    origin: ngo.to_owned(),
                    description: "Testimonies of two witnesses, taken where they now live.".into(),
                },
                SourceInput {
                    source_type: "media".into(),
                    reliability: "medium".into(),
                    origin: media.to_owned(),
                    description: "Report confirming the date and place with the family.".into(),
                },
            ],
        };
        self.save_incident(&input).await
    }

    /// Revise the release after the late killings, and publish the revision.
    pub(super) async fn revise_release(&mut self, id: i64) -> anyhow::Result<()> {
        let year = last_year(self.today);
        let reason = format!(
            "New evidence: a partner organisation in Colombia documented three more killings of defenders in {year}, verified after the first release."
        );
        let revision = self
            .access
            .revise_release(id, &reason, "")
            .await
            .context("revising the demo release")?;
        self.access
            .publish_release(revision, true)
            .await
            .context("publishing the demo release's revision")?;
        Ok(())
    }

    /// Draft, approve and publish an urgent alert from the case of the journey-1
    /// defender, who consented to be named. Does nothing if there is no such case or
    /// the user may not approve alerts.
    pub(super) async fn publish_alert(&mut self) -> anyhow::Result<bool> {
        if !self.access.can(Permission::Administer) || !self.access.can(Permission::ManageCases) {
            return Ok(false);
        }
        let Some(subject) = self
            .persons
            .iter()
            .find(|p| p.kind == PersonKind::Defender && p.given == "Aurelio")
            .map(|p| p.id)
        else {
            return Ok(false);
        };
        let cases = self
            .access
            .cases(CaseList::All)
            .await
            .context("listing the demo cases")?;
        let Some(case) = cases
            .iter()
            .find(|c| c.subject == VictimRef::Person(subject))
        else {
            return Ok(false);
        };
        let person = self.access.person(subject).await?;
        if person.consent_publish != PublishConsent::Named {
            return Ok(false);
        }
        let killed_on = NaiveDate::from_ymd_opt(2024, 3, 15)
            .unwrap_or(self.today)
            .min(self.today);
        let name = person
            .legal_name
            .clone()
            .context("demo: the journey-1 defender has no name")?;
        let input = AlertInput {
            title: format!(
                "Urgent: after the killing of {name}, the indigenous guard near Caloto is threatened again"
            ),
            text: format!(
                "{name}, coordinator of the indigenous guard of the {}, was shot dead near Caloto, Cauca (Colombia), on {}. \
                 Nobody has been charged. In the past weeks armed men have asked for the guard's coordinators by name \
                 and followed their cars.\n\n\
                 We call on the Colombian authorities to investigate the killing and those who ordered it, and to agree \
                 collective protection measures with the community without delay.",
                super::JOURNEY_COMMUNITY,
                killed_on.format("%-d %B %Y"),
            ),
            person_code: person.code.clone(),
        };
        let id = self
            .access
            .create_alert(case.id, &input)
            .await
            .context("drafting the demo alert")?;
        let draft = self.access.alert_for_approval(id).await?;
        self.access
            .publish_alert(id, draft.version)
            .await
            .context("publishing the demo alert")?;
        Ok(true)
    }
}
