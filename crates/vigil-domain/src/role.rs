//! Roles and what each may do. The storage access layer consults this table on every
//! operation; handlers never decide authorisation themselves.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    ProtectionOfficer,
    Documenter,
    Analyst,
    Viewer,
}

/// Something a user may be allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Read records (non-sensitive fields).
    Read,
    /// Read sensitive fields: legal names, contacts, addresses, coordinates, narratives.
    ReadSensitive,
    /// Create and edit incidents, persons, groups, violations and sources.
    Write,
    /// Export lists (CSV).
    Export,
    /// Import CSV files.
    Import,
    /// Manage users and vocabularies.
    Administer,
    /// Set an incident to `verified` without two independent sources, with a reason.
    OverrideVerification,
    /// Open, read and run protection cases: risk assessments, actions, linked incidents.
    ManageCases,
    /// Enter, edit and import UN resolutions, sponsors and roll-call votes (public
    /// record, not compartmented; every change audited).
    EditResolutions,
    /// Freeze statistics as dated releases, revise them with a reason, and publish or
    /// unpublish them on the public portal (after disclosure control).
    PublishReleases,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Admin,
        Role::ProtectionOfficer,
        Role::Documenter,
        Role::Analyst,
        Role::Viewer,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::ProtectionOfficer => "protection_officer",
            Role::Documenter => "documenter",
            Role::Analyst => "analyst",
            Role::Viewer => "viewer",
        }
    }

    /// The rights matrix. Keep it a single `match` so it reads as a table.
    pub fn can(self, p: Permission) -> bool {
        use Permission::*;
        match self {
            Role::Admin => true,
            Role::ProtectionOfficer => {
                matches!(p, Read | ReadSensitive | Write | Export | ManageCases)
            }
            Role::Documenter => matches!(p, Read | ReadSensitive | Write | Export),
            Role::Analyst => matches!(p, Read | Export | EditResolutions | PublishReleases),
            Role::Viewer => matches!(p, Read),
        }
    }

    pub fn sees_sensitive(self) -> bool {
        self.can(Permission::ReadSensitive)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Role {
    type Err = crate::DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.code() == s)
            .ok_or_else(|| crate::DomainError::Unknown {
                what: "role",
                value: s.to_owned(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_sensitive_roles_see_sensitive_fields() {
        assert!(Role::Admin.sees_sensitive());
        assert!(Role::ProtectionOfficer.sees_sensitive());
        assert!(Role::Documenter.sees_sensitive());
        assert!(!Role::Analyst.sees_sensitive());
        assert!(!Role::Viewer.sees_sensitive());
    }

    #[test]
    fn roles_round_trip_through_codes() {
        for r in Role::ALL {
            assert_eq!(r.code().parse::<Role>(), Ok(r));
        }
        assert!("root".parse::<Role>().is_err());
    }

    #[test]
    fn writers_and_readers_differ() {
        assert!(!Role::Viewer.can(Permission::Write));
        assert!(!Role::Analyst.can(Permission::Write));
        assert!(Role::Analyst.can(Permission::Export));
        assert!(!Role::Viewer.can(Permission::Export));
        assert!(!Role::Documenter.can(Permission::Administer));
        assert!(Role::Admin.can(Permission::OverrideVerification));
        assert!(Role::ProtectionOfficer.can(Permission::ManageCases));
        assert!(!Role::Documenter.can(Permission::ManageCases));
        assert!(Role::Analyst.can(Permission::EditResolutions));
        assert!(Role::Admin.can(Permission::EditResolutions));
        assert!(!Role::Documenter.can(Permission::EditResolutions));
        assert!(!Role::Viewer.can(Permission::EditResolutions));
        assert!(Role::Analyst.can(Permission::PublishReleases));
        assert!(!Role::Documenter.can(Permission::PublishReleases));
        assert!(!Role::Viewer.can(Permission::PublishReleases));
    }
}
