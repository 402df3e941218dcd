//! What the public portal may show (issue 5 point 7, issue 6 point 7): entries of the
//! memorial of killed defenders, and urgent alerts a protection officer drafts and an
//! administrator publishes.
//!
//! These types carry only what may be published: a memorial entry or a public alert
//! never has coordinates, contacts, narratives, codes or record ids other than its own.
//! Which records qualify (consent to be named, verification, approval) is decided by the
//! store's public reader; this module only validates alert drafts, without I/O.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::model::{Id, PartialDate, Version};
use crate::validate::FieldErrors;

/// Longest alert title and text, and withdrawal reason (characters).
pub const MAX_ALERT_TITLE: usize = 200;
pub const MAX_ALERT_TEXT: usize = 10_000;
pub const MAX_WITHDRAW_REASON: usize = 2_000;

/// Where an alert stands. Only `published` alerts are on the public site.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AlertStatus {
    /// Written by a protection officer, waiting for an administrator's approval.
    Draft,
    /// Approved by an administrator and on the public site.
    Published,
    /// Taken off the public site (with a reason); its history stays.
    Withdrawn,
}

impl AlertStatus {
    pub const ALL: &'static [AlertStatus] = &[
        AlertStatus::Draft,
        AlertStatus::Published,
        AlertStatus::Withdrawn,
    ];

    pub fn code(self) -> &'static str {
        match self {
            AlertStatus::Draft => "draft",
            AlertStatus::Published => "published",
            AlertStatus::Withdrawn => "withdrawn",
        }
    }
}

impl std::fmt::Display for AlertStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

impl std::str::FromStr for AlertStatus {
    type Err = crate::DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AlertStatus::ALL
            .iter()
            .copied()
            .find(|a| a.code() == s)
            .ok_or_else(|| crate::DomainError::Unknown {
                what: "alert status",
                value: s.to_owned(),
            })
    }
}

/// What a protection officer submits to draft or edit an alert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct AlertInput {
    /// The headline, as the public will read it.
    pub title: String,
    /// The alert itself: what happened, what is asked of readers.
    pub text: String,
    /// The code (`HRD-…`) of the person concerned: the case's subject, a member of
    /// the group it protects, or a victim in one of its linked incidents. They must
    /// have consented to be named (`consent_publish = named`).
    pub person_code: String,
}

/// An alert input that passed [`AlertInput::validate`] (the person still to resolve).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidAlert {
    pub title: String,
    pub text: String,
    pub person_code: String,
}

fn text(e: &mut FieldErrors, field: &str, value: &str, max: usize) -> String {
    let v = value.trim();
    if v.is_empty() {
        e.add(field, "err-required", None);
    } else if v.chars().count() > max {
        e.add(field, "err-too-long", Some(max.to_string()));
    }
    v.to_owned()
}

impl AlertInput {
    pub fn validate(&self) -> Result<ValidAlert, FieldErrors> {
        let mut e = FieldErrors::default();
        let title = text(&mut e, "title", &self.title, MAX_ALERT_TITLE);
        let body = text(&mut e, "text", &self.text, MAX_ALERT_TEXT);
        let person_code = text(&mut e, "person_code", &self.person_code, 64).to_uppercase();
        if e.is_empty() {
            Ok(ValidAlert {
                title,
                text: body,
                person_code,
            })
        } else {
            Err(e)
        }
    }
}

/// Why an alert is taken off the public site: required, kept in its history.
pub fn validate_withdraw_reason(reason: &str) -> Result<String, FieldErrors> {
    let mut e = FieldErrors::default();
    let r = text(&mut e, "reason", reason, MAX_WITHDRAW_REASON);
    if e.is_empty() {
        Ok(r)
    } else {
        Err(e)
    }
}

/// An alert as staff see it (protection officers and administrators).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Alert {
    pub id: Id,
    pub case_id: Id,
    pub case_title: String,
    pub person_id: Id,
    pub person_code: String,
    /// The person's legal name: what the public page will show.
    pub person_name: String,
    /// Does the person consent, now, to be named in public?
    pub person_consents: bool,
    pub title: String,
    pub text: String,
    pub status: AlertStatus,
    pub version: i64,
    pub created_by: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The administrator who approved the current publication, and when.
    pub approved_by: Option<String>,
    pub published_at: Option<DateTime<Utc>>,
    pub withdrawn_by: Option<String>,
    pub withdrawn_at: Option<DateTime<Utc>>,
    pub withdrawn_reason: Option<String>,
}

/// An alert with its versions, for staff.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AlertFile {
    pub alert: Alert,
    /// Every version, newest first: draft, edits, publications, withdrawals.
    pub history: Vec<Version>,
}

/// A published alert as the public sees it: no case, no code, no record id but its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublicAlert {
    pub id: Id,
    pub title: String,
    pub text: String,
    /// The name of the person concerned (who consented to be named).
    pub person_name: String,
    pub published_on: NaiveDate,
}

/// One defender on the memorial: killed (a `killing` violation in a verified incident)
/// and named with their own or their family's consent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MemorialEntry {
    pub name: String,
    /// The date of the killing, as precisely as it is known.
    pub date: PartialDate,
    /// ISO 3166-1 alpha-2 code of the country.
    pub country: String,
    /// Sectors of defence (vocabulary codes).
    pub sectors: Vec<String>,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn an_alert_needs_title_text_and_person() {
        let e = AlertInput::default().validate().unwrap_err();
        let fields: Vec<&str> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["title", "text", "person_code"]);
        let ok = AlertInput {
            title: " Free her ".into(),
            text: "Detained since May.".into(),
            person_code: " hrd-2024-0001".into(),
        }
        .validate()
        .unwrap_or_else(|_| unreachable!());
        assert_eq!(ok.title, "Free her");
        assert_eq!(ok.person_code, "HRD-2024-0001");
        let long = AlertInput {
            title: "x".repeat(MAX_ALERT_TITLE + 1),
            text: "t".into(),
            person_code: "HRD-1".into(),
        };
        assert_eq!(
            long.validate().unwrap_err().0[0].key,
            "err-too-long".to_owned()
        );
    }

    #[test]
    fn a_withdrawal_needs_a_reason() {
        assert!(validate_withdraw_reason("  ").is_err());
        assert_eq!(
            validate_withdraw_reason(" Family asked ").ok(),
            Some("Family asked".into())
        );
    }

    #[test]
    fn statuses_round_trip() {
        for s in AlertStatus::ALL {
            assert_eq!(s.code().parse::<AlertStatus>().ok(), Some(*s));
        }
        assert!("gone".parse::<AlertStatus>().is_err());
    }
}
