//! Reminder digests (issue 6 point 4): once a day, each assignee gets one e-mail
//! listing their actions due soon or overdue. Pure: which actions go in, and the
//! check of an e-mail address. The digest names no defender by legal name: an item
//! carries the case number and the person's or group's pseudonymous code only, never
//! the case title, the action's description or its outcome (e-mail leaves the
//! system and sits in mailboxes we do not control).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::case::{ActionKind, CaseAction};
use crate::model::Id;
use crate::validate::FieldErrors;

/// An action counts as "due" from this many days before its due date.
pub const DUE_SOON_DAYS: i64 = 7;

/// One line of a digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DigestItem {
    pub action_id: Id,
    pub case_id: Id,
    /// The subject's code (`HRD-…`, `GRP-…`).
    pub subject_code: String,
    pub kind: ActionKind,
    pub due_on: NaiveDate,
    /// Days past the due date (0 or less: not overdue; negative: days left).
    pub days_late: i64,
}

impl DigestItem {
    pub fn overdue(&self) -> bool {
        self.days_late > 0
    }
}

/// The actions of one assignee that go into today's digest: still to do, with a due
/// date no later than `today + DUE_SOON_DAYS`; overdue first, then by date.
/// `subject_code` gives each action's case subject code.
pub fn digest_items(
    actions: &[CaseAction],
    today: NaiveDate,
    subject_code: impl Fn(Id) -> String,
) -> Vec<DigestItem> {
    let horizon = today + chrono::Duration::days(DUE_SOON_DAYS);
    let mut items: Vec<DigestItem> = actions
        .iter()
        .filter(|a| a.status.pending())
        .filter_map(|a| {
            let due = a.due_on.filter(|d| *d <= horizon)?;
            Some(DigestItem {
                action_id: a.id,
                case_id: a.case_id,
                subject_code: subject_code(a.case_id),
                kind: a.kind,
                due_on: due,
                days_late: (today - due).num_days(),
            })
        })
        .collect();
    items.sort_by_key(|i| (i.due_on, i.action_id));
    items
}

/// Longest address accepted (RFC 5321's limit on a path).
pub const MAX_EMAIL: usize = 254;

/// Check an e-mail address: `local@domain.tld`, no spaces or control characters, at
/// most 254 characters. Empty means "none" and is accepted. Returns it trimmed.
pub fn validate_email(value: &str) -> Result<String, FieldErrors> {
    let v = value.trim();
    if v.is_empty() {
        return Ok(String::new());
    }
    let mut e = FieldErrors::default();
    let ok = v.len() <= MAX_EMAIL
        && !v.chars().any(|c| c.is_whitespace() || c.is_control())
        && !v.contains(['<', '>', '(', ')', ',', ';', ':', '"', '[', ']', '\\'])
        && match v.rsplit_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && local.len() <= 64
                    && !local.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with(['.', '-'])
                    && !domain.ends_with(['.', '-'])
                    && !domain.contains("..")
                    && domain
                        .chars()
                        .all(|c| c.is_alphanumeric() || c == '.' || c == '-')
            }
            None => false,
        };
    if ok {
        Ok(v.to_owned())
    } else {
        e.add("email", "err-email", Some(v.to_owned()));
        Err(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_checked() {
        assert_eq!(
            validate_email(" ana@example.org ").ok(),
            Some("ana@example.org".into())
        );
        assert_eq!(validate_email("").ok(), Some(String::new()));
        for bad in [
            "ana",
            "ana@",
            "@example.org",
            "ana@example",
            "ana@@example.org",
            "ana example@example.org",
            "ana@exa mple.org",
            "Ana <ana@example.org>",
            "ana@example..org",
            "ana@example.org\r\nBcc: x@y.z",
        ] {
            assert!(validate_email(bad).is_err(), "{bad:?} accepted");
        }
    }
}
