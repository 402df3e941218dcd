//! How `vigil serve` signs people in — which roles must use two-factor authentication,
//! how long sessions live, which proxy may name the client, how costly a password hash
//! is — and the commands an administrator needs when that goes wrong: `vigil lockdown`
//! (a raid, a lost laptop) and `vigil user reset-2fa` (a lost phone).

use std::net::IpAddr;
use std::process::ExitCode;

use anyhow::{bail, Context};
use chrono::Duration;
use clap::Args;

use vigil_domain::Role;
use vigil_store::audit::{Action, AuditEntry};
use vigil_store::auth::{calibrate_hash_cost, AuthPolicy, HASH_MEMORY_KIB, HASH_TARGET};

use crate::cli::{open_store, DbArgs};

/// The sign-in options of `vigil serve`.
#[derive(Args, Debug, Clone)]
pub struct AuthArgs {
    /// Roles that must use two-factor authentication, comma-separated, or `none`.
    /// Default: `admin` (with --demo: none, so the demo administrator can log in).
    #[arg(long = "require-2fa", env = "VIGIL_REQUIRE_2FA", value_name = "ROLES")]
    pub require_2fa: Option<String>,
    /// End a session after this long without use (e.g. 30m, 8h).
    #[arg(long, env = "VIGIL_SESSION_IDLE", default_value = "8h", value_parser = parse_duration)]
    pub session_idle: Duration,
    /// End a session after this long in any case (e.g. 12h, 7d).
    #[arg(long, env = "VIGIL_SESSION_MAX", default_value = "7d", value_parser = parse_duration)]
    pub session_max: Duration,
    /// The address of a reverse proxy whose `X-Forwarded-For` names the client (for
    /// login throttling per address). Without it, the client is the connection's peer.
    #[arg(long, env = "VIGIL_TRUSTED_PROXY", value_name = "IP")]
    pub trusted_proxy: Option<IpAddr>,
    /// The address users reach Vigil at (e.g. https://vigil.example.org): the WebAuthn
    /// relying party, needed for security keys (without it they are off).
    #[arg(long, env = "VIGIL_PUBLIC_URL", value_name = "URL", value_parser = public_url)]
    pub public_url: Option<String>,
}

/// `--public-url`, checked (kept as text: a parsed URL would swell every command).
fn public_url(s: &str) -> Result<String, String> {
    vigil_web::parse_public_url(s).map(|u| u.to_string())
}

/// `90s`, `30m`, `8h`, `7d`: a whole number and a unit.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let unit_at = s
        .find(|c: char| !c.is_ascii_digit())
        .ok_or_else(|| format!("{s:?}: give a unit: s, m, h or d (e.g. 8h)"))?;
    let (n, unit) = s.split_at(unit_at);
    let n: i64 = n
        .parse()
        .map_err(|_| format!("{s:?}: expected a number and a unit, e.g. 8h"))?;
    let d = match unit {
        "s" => Duration::try_seconds(n),
        "m" => Duration::try_minutes(n),
        "h" => Duration::try_hours(n),
        "d" => Duration::try_days(n),
        _ => None,
    };
    d.ok_or_else(|| format!("{s:?}: the unit must be s, m, h or d (e.g. 8h)"))
}

/// `admin,protection_officer`, or `none`.
pub fn parse_roles(s: &str) -> anyhow::Result<Vec<Role>> {
    if s.trim().eq_ignore_ascii_case("none") || s.trim().is_empty() {
        return Ok(Vec::new());
    }
    let mut roles = Vec::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let role: Role = part.parse().map_err(|_| {
            let all: Vec<_> = Role::ALL.iter().map(|r| r.code()).collect();
            anyhow::anyhow!(
                "--require-2fa: unknown role {part:?}; give roles among {}, or none",
                all.join(", ")
            )
        })?;
        if !roles.contains(&role) {
            roles.push(role);
        }
    }
    Ok(roles)
}

impl AuthArgs {
    /// The policy these options describe, without the hash cost.
    pub fn policy(&self, demo: bool) -> anyhow::Result<AuthPolicy> {
        let require_two_factor = match &self.require_2fa {
            Some(s) => parse_roles(s)?,
            None if demo => Vec::new(),
            None => vec![Role::Admin],
        };
        if self.session_idle < Duration::minutes(1) {
            bail!("--session-idle must be at least 1m");
        }
        if self.session_max < self.session_idle {
            bail!("--session-max must not be shorter than --session-idle");
        }
        if self.session_max > Duration::days(365) {
            bail!("--session-max must be at most 365d");
        }
        Ok(AuthPolicy {
            session_idle: self.session_idle,
            session_max: self.session_max,
            require_two_factor,
            ..AuthPolicy::default()
        })
    }

    /// The policy, with the password hash cost calibrated on this machine.
    pub async fn calibrated_policy(&self, demo: bool) -> anyhow::Result<AuthPolicy> {
        let mut policy = self.policy(demo)?;
        policy.hash_cost =
            tokio::task::spawn_blocking(|| calibrate_hash_cost(HASH_TARGET, HASH_MEMORY_KIB))
                .await
                .context("cannot calibrate password hashing")?;
        tracing::info!(
            memory_kib = policy.hash_cost.memory_kib,
            passes = policy.hash_cost.iterations,
            target_ms = HASH_TARGET.as_millis() as u64,
            "Argon2id cost calibrated"
        );
        Ok(policy)
    }
}

/// What the start-up message says about signing in.
pub fn summary(policy: &AuthPolicy, demo: bool) -> String {
    let roles: Vec<_> = policy.require_two_factor.iter().map(|r| r.code()).collect();
    let twofa = if roles.is_empty() && demo {
        "DEMO MODE: two-factor authentication is required of no role (use --require-2fa admin to require it)".to_owned()
    } else if roles.is_empty() {
        "Two-factor authentication is required of no role (--require-2fa none)".to_owned()
    } else {
        format!(
            "Two-factor authentication is required for: {}",
            roles.join(", ")
        )
    };
    format!(
        "{twofa}. Sessions end after {} idle, {} at most.",
        short(policy.session_idle),
        short(policy.session_max)
    )
}

fn short(d: Duration) -> String {
    let m = d.num_minutes();
    if m > 0 && m % (24 * 60) == 0 {
        format!("{}d", m / (24 * 60))
    } else if m > 0 && m % 60 == 0 {
        format!("{}h", m / 60)
    } else if d.num_seconds() % 60 == 0 {
        format!("{m}m")
    } else {
        format!("{}s", d.num_seconds())
    }
}

/// `vigil lockdown`: end every session and revoke every API token, now.
pub async fn lockdown(db: &DbArgs) -> anyhow::Result<ExitCode> {
    let store = open_store(db, false, false).await?;
    let audit = AuditEntry::new(Action::Lockdown, "user").cli();
    let r = store.lockdown(Some(audit)).await?;
    store.close().await;
    println!(
        "Lock-down: {} sessions ended, {} API tokens revoked. Everyone must log in again; partner systems need new tokens.",
        r.sessions, r.api_tokens
    );
    Ok(ExitCode::SUCCESS)
}

/// `vigil user reset-2fa NAME`: remove a user's second factor and end their sessions
/// (a lost phone, or the last administrator locked out).
pub async fn reset_two_factor(db: &DbArgs, username: &str) -> anyhow::Result<ExitCode> {
    let store = open_store(db, false, false).await?;
    let user = store
        .user_by_name(username)
        .await
        .map_err(|_| anyhow::anyhow!("no user {username}"))?;
    let audit = AuditEntry::new(Action::TwoFactorReset, "user").cli();
    store.reset_two_factor(user.id, Some(audit)).await?;
    store.close().await;
    println!(
        "Two-factor authentication of {} removed and their sessions ended; they set it up again at their next login.",
        user.username
    );
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn args(require: Option<&str>, idle: &str, max: &str) -> AuthArgs {
        AuthArgs {
            require_2fa: require.map(str::to_owned),
            session_idle: parse_duration(idle).unwrap(),
            session_max: parse_duration(max).unwrap(),
            trusted_proxy: None,
            public_url: None,
        }
    }

    #[test]
    fn durations_parse_with_a_unit() {
        assert_eq!(parse_duration("8h"), Ok(Duration::hours(8)));
        assert_eq!(parse_duration("7d"), Ok(Duration::days(7)));
        assert_eq!(parse_duration(" 30m "), Ok(Duration::minutes(30)));
        assert_eq!(parse_duration("90s"), Ok(Duration::seconds(90)));
        assert!(parse_duration("8").is_err());
        assert!(parse_duration("8 hours").is_err());
        assert!(parse_duration("h").is_err());
        assert!(parse_duration("-1h").is_err());
    }

    #[test]
    fn admins_need_two_factor_by_default_but_not_in_the_demo() {
        let p = args(None, "8h", "7d").policy(false).unwrap();
        assert_eq!(p.require_two_factor, vec![Role::Admin]);
        assert_eq!(
            (p.session_idle, p.session_max),
            (Duration::hours(8), Duration::days(7))
        );
        assert!(args(None, "8h", "7d")
            .policy(true)
            .unwrap()
            .require_two_factor
            .is_empty());
        let p = args(Some("admin, protection_officer,admin"), "30m", "12h")
            .policy(true)
            .unwrap();
        assert_eq!(
            p.require_two_factor,
            vec![Role::Admin, Role::ProtectionOfficer]
        );
        assert!(args(Some("none"), "8h", "7d")
            .policy(false)
            .unwrap()
            .require_two_factor
            .is_empty());
        assert!(args(Some("admin,boss"), "8h", "7d").policy(false).is_err());
    }

    #[test]
    fn session_limits_must_make_sense() {
        assert!(args(None, "8h", "1h").policy(false).is_err());
        assert!(args(None, "30s", "1h").policy(false).is_err());
        assert!(args(None, "8h", "400d").policy(false).is_err());
    }

    #[test]
    fn the_summary_says_what_is_required() {
        let p = args(None, "8h", "7d").policy(false).unwrap();
        assert_eq!(
            summary(&p, false),
            "Two-factor authentication is required for: admin. Sessions end after 8h idle, 7d at most."
        );
        let demo = args(None, "90m", "7d").policy(true).unwrap();
        assert!(summary(&demo, true).starts_with("DEMO MODE"));
        assert!(summary(&demo, true).contains("90m idle"));
    }
}
