//! Demo protection cases (issue 6): three cases about the first defenders the curated
//! generator made — one rising to critical with an overdue emergency grant, one
//! falling under monitoring (its person detained for 47 days, a trial hearing ahead),
//! one closed — with their incidents linked, so the case
//! pages, "open cases by risk", "my actions" and "overdue" have something to show.
//! Everything goes through the authorising layer, as the user seeding the demo.

use anyhow::Context;
use chrono::{Duration, NaiveDate};
use vigil_domain::case::{ActionInput, AssessmentInput, CaseInput};
use vigil_domain::detention::{DetentionInput, HearingInput};
use vigil_domain::model::{PersonKind, VictimRef};
use vigil_domain::search::PersonFilter;
use vigil_domain::Permission;
use vigil_store::Access;

/// (type, due in days from today — negative is past, status, outcome, amount, currency)
type ActionPlan = (
    &'static str,
    Option<i64>,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

struct Plan {
    title: &'static str,
    status: &'static str,
    closed_reason: &'static str,
    summary: &'static str,
    /// (days ago, level, threats, reasoning)
    assessments: &'static [(i64, &'static str, &'static str, &'static str)],
    /// (type, due in days from today — negative is past, status, outcome, amount, currency)
    actions: &'static [ActionPlan],
    detention: Option<DetentionPlan>,
}

/// A detention of the case's person (issue 6 point 5): days ago held and released
/// (`None`: still held), place, charges, hearings (days from today, time, court).
struct DetentionPlan {
    since: i64,
    released: Option<i64>,
    place: &'static str,
    charges: &'static str,
    hearings: &'static [(i64, &'static str, &'static str)],
}

const PLANS: &[Plan] = &[
    Plan {
        title: "Protection of an indigenous guard coordinator",
        status: "open",
        closed_reason: "",
        summary: "Named in a pamphlet after the land-title hearing; two strangers asked for him at the school.",
        assessments: &[
            (60, "medium", "Pamphlet naming the guard's coordinators.", "Generic threat, no sign of surveillance yet."),
            (5, "critical", "Armed men asked for him by name; a motorbike followed his car.", "Specific, repeated and by an armed group active in the area."),
        ],
        actions: &[
            ("urgent_appeal", Some(-50), "done", "Published with four partner organisations.", "", ""),
            ("emergency_grant", Some(-2), "planned", "", "1500", "USD"),
            ("relocation", Some(7), "in_progress", "", "", ""),
            ("psychosocial_support", None, "planned", "", "", ""),
        ],
        detention: None,
    },
    Plan {
        title: "Follow-up after the detention of a community leader",
        status: "monitoring",
        closed_reason: "",
        summary: "Released on bail; reports weekly to the prosecutor's office.",
        assessments: &[
            (90, "high", "Arbitrary detention and a smear campaign on local radio.", "State actor involved; judicial harassment likely to continue."),
            (10, "medium", "Radio attacks stopped; the case file is still open.", "Released, with legal support and a visible international network."),
        ],
        actions: &[
            ("legal_aid", Some(-80), "done", "Defence lawyer assigned.", "", ""),
            ("trial_observation", Some(20), "planned", "", "", ""),
            ("security_measures", Some(14), "planned", "", "2400000", "COP"),
        ],
        detention: Some(DetentionPlan {
            since: 95,
            released: Some(48),
            place: "District police station, then the departmental prison",
            charges: "Obstruction of public roads; instigation to commit a crime",
            hearings: &[
                (-93, "10:00", "Municipal criminal court (legality of the arrest)"),
                (-50, "", "Criminal court of the circuit (bail hearing)"),
                (20, "09:30", "Criminal court of the circuit (trial)"),
            ],
        }),
    },
    Plan {
        title: "Threats against a women's rights defender",
        status: "closed",
        closed_reason: "No further incidents in six months; she chose to close the case.",
        summary: "Threatening messages after a workshop on gender-based violence.",
        assessments: &[(200, "low", "Anonymous messages on social media.", "No physical approach; strong support network.")],
        actions: &[("letter_to_authorities", Some(-190), "done", "The ombudsman opened a file.", "", "")],
        detention: None,
    },
];

/// Create the demo cases; returns how many. Does nothing for a user who may not
/// manage cases, or when there are no defenders yet.
pub async fn seed_cases(access: &Access, today: NaiveDate) -> anyhow::Result<usize> {
    if !access.can(Permission::ManageCases) {
        return Ok(0);
    }
    let persons = access
        .persons(&PersonFilter {
            kind: "defender".into(),
            ..Default::default()
        })
        .await
        .context("listing defenders for the demo cases")?;
    let me = access.actor().user_id;
    let day = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
    let mut made = 0;
    for (plan, person) in PLANS.iter().zip(
        persons
            .items
            .iter()
            .filter(|p| p.kind == PersonKind::Defender),
    ) {
        let id = access
            .create_case(&CaseInput {
                title: plan.title.into(),
                subject_code: person.code.clone(),
                status: plan.status.into(),
                closed_reason: plan.closed_reason.into(),
                summary: plan.summary.into(),
                owner_id: None,
            })
            .await
            .with_context(|| format!("demo case {:?}", plan.title))?;
        for v in access
            .violations_against(VictimRef::Person(person.id))
            .await?
        {
            access.link_case_incident(id, v.incident_id, true).await?;
        }
        for (ago, level, threats, reasoning) in plan.assessments {
            access
                .add_assessment(
                    id,
                    &AssessmentInput {
                        assessed_on: day(today - Duration::days(*ago)),
                        threats: (*threats).into(),
                        vulnerabilities: "Lives in a rural area with little phone coverage.".into(),
                        capacities: "Community and partner organisations respond quickly.".into(),
                        level: (*level).into(),
                        reasoning: (*reasoning).into(),
                    },
                )
                .await
                .with_context(|| format!("demo assessment for {:?}", plan.title))?;
        }
        for (kind, due, status, outcome, amount, currency) in plan.actions {
            access
                .add_action(
                    id,
                    &ActionInput {
                        kind: (*kind).into(),
                        description: String::new(),
                        assignee_id: Some(me),
                        due_on: due
                            .map(|d| day(today + Duration::days(d)))
                            .unwrap_or_default(),
                        status: (*status).into(),
                        outcome: (*outcome).into(),
                        amount: (*amount).into(),
                        currency: (*currency).into(),
                    },
                )
                .await
                .with_context(|| format!("demo action for {:?}", plan.title))?;
        }
        if let Some(d) = &plan.detention {
            let det = access
                .add_detention(
                    id,
                    &DetentionInput {
                        place: d.place.into(),
                        since: day(today - Duration::days(d.since)),
                        charges: d.charges.into(),
                        released_on: d
                            .released
                            .map(|r| day(today - Duration::days(r)))
                            .unwrap_or_default(),
                    },
                )
                .await
                .with_context(|| format!("demo detention for {:?}", plan.title))?;
            for (when, time, court) in d.hearings {
                access
                    .add_hearing(
                        det,
                        &HearingInput {
                            held_on: day(today + Duration::days(*when)),
                            held_at: (*time).into(),
                            court: (*court).into(),
                            note: String::new(),
                        },
                    )
                    .await
                    .with_context(|| format!("demo hearing for {:?}", plan.title))?;
            }
        }
        made += 1;
    }
    Ok(made)
}
