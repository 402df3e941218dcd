//! Accounts and how they sign in: passwords (Argon2id, cost calibrated at start, at most
//! [`MAX_CONCURRENT_HASHES`] at once, off the async threads), login throttling kept in
//! the database, the TOTP second factor with one-time recovery codes, sessions (idle and
//! absolute expiry, listed and revocable), API tokens, and the lock-down that ends every
//! session and token at once.
//!
//! Secrets are stored only as hashes — passwords, session and API tokens, recovery
//! codes — except the TOTP secret, which the server must read to check a code (on SQLite
//! the whole database is encrypted; PostgreSQL column encryption comes with issue #3
//! point 6). Nothing here may tell a caller, by message or by effort, whether an
//! account exists, is disabled or is throttled: every refusal looks the same.

use std::net::IpAddr;
use std::sync::{Arc, LazyLock};

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::{Algorithm, Argon2, Params, Version};
use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use rand::RngCore;
use serde::Serialize;
use sha1::Sha1;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use vigil_domain::model::Id;
use vigil_domain::validate::FieldErrors;
use vigil_domain::{Permission, Role};

use crate::audit::{Action, AuditEntry};
use crate::backend::{Row, Tx, Val};
use crate::{parse_time, Access, Actor, Result, Store, StoreError};

/// WebAuthn security keys, the second factor beside TOTP (a child of this module: it
/// shares the login steps' throttling and challenges).
#[path = "webauthn.rs"]
pub mod webauthn;

pub const MAX_CONCURRENT_HASHES: usize = 4;
pub const MIN_PASSWORD_LEN: usize = 12;
/// A session ends after this long without use (default; `vigil serve --session-idle`)…
pub const SESSION_IDLE: Duration = Duration::hours(8);
/// …and after this long in any case (default; `vigil serve --session-max`).
pub const SESSION_ABSOLUTE: Duration = Duration::days(7);

/// Argon2id memory per hash. With [`MAX_CONCURRENT_HASHES`] hashes at once this caps
/// hashing at 76 MiB, inside the 200 MB serving budget (DESIGN.md §6).
pub const HASH_MEMORY_KIB: u32 = 19 * 1024;
/// What one password hash should cost on this machine; `vigil serve` calibrates the
/// number of passes to it at start.
pub const HASH_TARGET: std::time::Duration = std::time::Duration::from_millis(200);
const MIN_HASH_ITERATIONS: u32 = 2;
const MAX_HASH_ITERATIONS: u32 = 32;

/// Failed logins allowed per account before back-off starts…
pub const ACCOUNT_FREE_FAILURES: i64 = 5;
/// …and per client address (higher: an office shares one address).
pub const ADDRESS_FREE_FAILURES: i64 = 20;
/// The first wait after the free failures; it doubles with each further failure…
pub const BACKOFF_FIRST: Duration = Duration::seconds(30);
/// …up to this.
pub const BACKOFF_MAX: Duration = Duration::minutes(15);
/// Failures older than this are forgotten.
pub const THROTTLE_FORGET: Duration = Duration::hours(1);

/// TOTP (RFC 6238): HMAC-SHA-1, 6 digits, 30-second steps.
pub const TOTP_STEP_SECONDS: i64 = 30;
const TOTP_DIGITS: u32 = 6;
/// Codes of the step before and after the current one are accepted (clock drift).
const TOTP_WINDOW: i64 = 1;
/// 160 bits, the HMAC-SHA-1 block RFC 4226 recommends.
const TOTP_SECRET_BYTES: usize = 20;
/// Shown in authenticator apps beside the account name.
pub const TOTP_ISSUER: &str = "Vigil";
/// Recovery codes made at once; each carries 80 random bits.
pub const RECOVERY_CODES: usize = 10;
/// How long a login may wait between the password and the second factor.
pub const LOGIN_CHALLENGE_TTL: Duration = Duration::minutes(5);
/// Wrong codes one half-signed-in login may try before it must start again.
const CHALLENGE_ATTEMPTS: i64 = 5;

/// The cost of one Argon2id hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashCost {
    pub memory_kib: u32,
    pub iterations: u32,
}

impl Default for HashCost {
    /// The `argon2` crate's (and OWASP's) baseline: 19 MiB, 2 passes.
    fn default() -> Self {
        HashCost {
            memory_kib: HASH_MEMORY_KIB,
            iterations: MIN_HASH_ITERATIONS,
        }
    }
}

impl HashCost {
    fn argon2(self) -> Argon2<'static> {
        let params = Params::new(self.memory_kib, self.iterations, 1, None).unwrap_or_default();
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
    }
}

/// Measure this machine and choose the passes that make one hash cost about `target`,
/// with memory fixed at `memory_kib` (the cap). Blocking: call it off the async threads.
pub fn calibrate_hash_cost(target: std::time::Duration, memory_kib: u32) -> HashCost {
    let one_pass = HashCost {
        memory_kib,
        iterations: 1,
    };
    let salt = SaltString::generate(&mut OsRng);
    // The best of two runs: the first also pays for faulting the memory in.
    let mut best = std::time::Duration::MAX;
    for _ in 0..2 {
        let started = std::time::Instant::now();
        let _ = one_pass.argon2().hash_password(b"calibration", &salt);
        best = best.min(started.elapsed());
    }
    // Argon2's time grows linearly with the passes.
    let passes = if best.is_zero() {
        MAX_HASH_ITERATIONS
    } else {
        (target.as_secs_f64() / best.as_secs_f64()).ceil() as u32
    };
    HashCost {
        memory_kib,
        iterations: passes.clamp(MIN_HASH_ITERATIONS, MAX_HASH_ITERATIONS),
    }
}

/// How this instance signs people in. `vigil serve` builds it from its options; the
/// default (used by tests) requires no second factor of any role.
#[derive(Debug, Clone)]
pub struct AuthPolicy {
    pub session_idle: Duration,
    pub session_max: Duration,
    /// Roles that must have a second factor: after the password, such a user without
    /// one can do nothing but enrol.
    pub require_two_factor: Vec<Role>,
    pub hash_cost: HashCost,
}

impl Default for AuthPolicy {
    fn default() -> Self {
        AuthPolicy {
            session_idle: SESSION_IDLE,
            session_max: SESSION_ABSOLUTE,
            require_two_factor: Vec::new(),
            hash_cost: HashCost::default(),
        }
    }
}

impl AuthPolicy {
    pub fn requires_two_factor(&self, role: Role) -> bool {
        self.require_two_factor.contains(&role)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct User {
    pub id: Id,
    pub username: String,
    pub role: Role,
    pub display_name: String,
    /// Preferred interface language (`en`, `es`), empty for the browser's choice.
    pub language: String,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
}

pub struct NewUser {
    pub username: String,
    pub password: Zeroizing<String>,
    pub role: Role,
    pub display_name: String,
    pub language: String,
}

impl std::fmt::Debug for NewUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewUser")
            .field("username", &self.username)
            .field("password", &"***")
            .field("role", &self.role)
            .finish()
    }
}

/// A signed-in browser session.
#[derive(Debug, Clone)]
pub struct Session {
    pub user: User,
    /// The CSRF token bound to this session.
    pub csrf: String,
    /// Names the session in lists ([`SessionInfo::id`]); not its secret.
    pub id: String,
    /// The user has a confirmed second factor.
    pub two_factor: bool,
    /// The user's role requires a second factor and they have none: this session may
    /// only enrol one (and sign out).
    pub must_enrol: bool,
}

/// A live session as its owner sees it listed.
#[derive(Debug, Clone, Serialize)]
pub struct SessionInfo {
    pub id: String,
    pub created_at: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
}

/// An API token as listed (never the secret itself).
#[derive(Debug, Clone, Serialize)]
pub struct ApiToken {
    pub id: Id,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub last_used: Option<DateTime<Utc>>,
    pub revoked: bool,
}

/// What a password login came to.
#[derive(Debug)]
pub enum LoginOutcome {
    /// Unknown user, wrong password, disabled account or throttled: one answer for all.
    Refused,
    /// The password was right and the account has no second factor.
    SignedIn(User),
    /// The password was right; the second factor is awaited. `challenge` is the
    /// secret of the half-signed-in login (for a short-lived cookie): it opens nothing
    /// but [`Store::complete_login`].
    SecondFactor {
        user: User,
        challenge: Zeroizing<String>,
    },
}

/// What a second-factor code came to.
#[derive(Debug)]
pub enum SecondFactorOutcome {
    SignedIn(User),
    /// Wrong code; the login may try again.
    Retry,
    /// No such login, too old, too many wrong codes, or throttled: start again.
    Expired,
}

/// A TOTP secret being enrolled: for the QR code and for typing in by hand.
pub struct TotpSetup {
    /// Base32, as authenticator apps take it.
    pub secret: Zeroizing<String>,
    /// `otpauth://totp/…`, the QR code's content.
    pub uri: Zeroizing<String>,
}

impl std::fmt::Debug for TotpSetup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpSetup(***)")
    }
}

/// A confirmed second factor.
#[derive(Debug, Clone, Serialize)]
pub struct TwoFactor {
    pub since: DateTime<Utc>,
    pub recovery_codes_left: i64,
}

/// What a lock-down ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Lockdown {
    pub sessions: u64,
    pub api_tokens: u64,
}

const USER_COLS: &str = "id, username, role, display_name, language, disabled, created_at";
const USER_COLS_U: &str =
    "u.id, u.username, u.role, u.display_name, u.language, u.disabled, u.created_at";

fn user_from(r: &Row) -> User {
    User {
        id: r.int(0),
        username: r.text(1),
        role: r.text(2).parse().unwrap_or(Role::Viewer),
        display_name: r.text(3),
        language: r.text(4),
        disabled: r.bool(5),
        created_at: parse_time(&r.text(6)),
    }
}

fn random_token() -> String {
    let mut b = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut b);
    hex::encode(b)
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The public name of a session, derived from its stored hash (so it needs no column
/// and reveals nothing about the cookie).
fn session_id(token_hash: &str) -> String {
    let d = Sha256::digest(format!("vigil session id\n{token_hash}").as_bytes());
    hex::encode(d.iter().take(8).copied().collect::<Vec<u8>>())
}

fn time_text(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

// ---------------------------------------------------------------- password policy

/// The packaged list of common passwords (see `data/README.md` for its origin and
/// licence), lower case.
static COMMON_PASSWORDS: LazyLock<std::collections::HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("../data/common-passwords.txt")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect()
});

/// Is this password on the packaged list of common passwords?
pub fn is_common_password(password: &str) -> bool {
    COMMON_PASSWORDS.contains(password.trim().to_lowercase().as_str())
}

/// Check a new password against the policy. Returns the message key of the problem.
pub fn password_problem(username: &str, password: &str) -> Option<&'static str> {
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Some("err-password-short");
    }
    if password.eq_ignore_ascii_case(username) {
        return Some("err-password-username");
    }
    if is_common_password(password) {
        return Some("err-password-common");
    }
    None
}

fn valid_username(u: &str) -> bool {
    (2..=64).contains(&u.len())
        && u.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
}

fn password_errors(field: &str, key: &'static str) -> StoreError {
    let mut e = FieldErrors::default();
    e.add(field, key, Some(MIN_PASSWORD_LEN.to_string()));
    e.into()
}

// ---------------------------------------------------------------- TOTP

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// RFC 4648 base32 without padding, as authenticator apps expect secrets.
pub fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 8 / 5 + 1);
    let (mut buf, mut bits) = (0u32, 0u32);
    let push = |i: u32, out: &mut String| {
        out.push(
            BASE32
                .get((i & 31) as usize)
                .copied()
                .map_or('A', char::from),
        );
    };
    for &b in bytes {
        buf = (buf << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            push(buf >> bits, &mut out);
        }
        buf &= (1 << bits) - 1;
    }
    if bits > 0 {
        push(buf << (5 - bits), &mut out);
    }
    out
}

/// Decode base32 (case, spaces and padding ignored); `None` if anything else is there.
pub fn base32_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let (mut buf, mut bits) = (0u32, 0u32);
    for c in s.chars().filter(|c| !c.is_whitespace() && *c != '=') {
        let c = c.to_ascii_uppercase();
        let v = BASE32.iter().position(|&b| char::from(b) == c)? as u32;
        buf = (buf << 5) | v;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
        }
        buf &= (1 << bits) - 1;
    }
    Some(out)
}

/// HOTP (RFC 4226) with HMAC-SHA-1: the code for `counter`.
fn hotp(key: &[u8], counter: u64) -> Option<u32> {
    let mut mac = <Hmac<Sha1> as Mac>::new_from_slice(key).ok()?;
    mac.update(&counter.to_be_bytes());
    let h = mac.finalize().into_bytes();
    let offset = usize::from(h.get(19)? & 0x0f);
    let word: [u8; 4] = h.get(offset..offset + 4)?.try_into().ok()?;
    Some((u32::from_be_bytes(word) & 0x7fff_ffff) % 10u32.pow(TOTP_DIGITS))
}

fn totp_step(t: DateTime<Utc>) -> i64 {
    t.timestamp().div_euclid(TOTP_STEP_SECONDS)
}

fn code_text(code: u32) -> String {
    format!("{code:0width$}", width = TOTP_DIGITS as usize)
}

/// The column of the TOTP secret, sealed on PostgreSQL (see `cipher.rs`).
const TOTP_SECRET: &str = "user_totp.secret";

/// The TOTP code of a base32 secret at a time, as an authenticator app would show it.
pub fn totp_code(secret_base32: &str, at: DateTime<Utc>) -> Option<String> {
    let key = base32_decode(secret_base32)?;
    let step = u64::try_from(totp_step(at)).ok()?;
    hotp(&key, step).map(code_text)
}

/// A typed second-factor code without spaces and dashes, upper case.
fn normalise_code(code: &str) -> String {
    code.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

fn looks_like_totp(code: &str) -> bool {
    code.len() == TOTP_DIGITS as usize && code.chars().all(|c| c.is_ascii_digit())
}

fn recovery_hash(normalised: &str) -> String {
    hex::encode(Sha256::digest(
        format!("vigil recovery code\n{normalised}").as_bytes(),
    ))
}

/// A new recovery code: 80 random bits as 16 base32 characters, `abcd-efgh-ijkl-mnop`.
fn new_recovery_code() -> Zeroizing<String> {
    let mut b = [0u8; 10];
    rand::rngs::OsRng.fill_bytes(&mut b);
    let plain = Zeroizing::new(base32_encode(&b).to_ascii_lowercase());
    let mut out = Zeroizing::new(String::with_capacity(19));
    for (i, c) in plain.chars().enumerate() {
        if i > 0 && i % 4 == 0 {
            out.push('-');
        }
        out.push(c);
    }
    out
}

fn otpauth_uri(username: &str, secret: &str) -> String {
    let enc = |s: &str| -> String {
        s.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-') {
                    char::from(b).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect()
    };
    format!(
        "otpauth://totp/{issuer}:{user}?secret={secret}&issuer={issuer}&algorithm=SHA1&digits={TOTP_DIGITS}&period={TOTP_STEP_SECONDS}",
        issuer = enc(TOTP_ISSUER),
        user = enc(username),
    )
}

// ---------------------------------------------------------------- throttling keys

/// The throttle key of an account: a hash of the name typed, never the name itself —
/// people sometimes type their password into the username field.
fn account_key(username: &str) -> String {
    let name: String = username.trim().to_lowercase().chars().take(80).collect();
    format!("user:{}", hex::encode(Sha256::digest(name.as_bytes())))
}

/// IPv6 clients are counted per /64, the block one subscriber usually holds.
fn address_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => format!("ip:{v4}"),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => format!("ip:{v4}"),
            None => {
                let s = v6.segments();
                let net = std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0);
                format!("ip:{net}/64")
            }
        },
    }
}

fn backoff(failures: i64, free: i64) -> Option<Duration> {
    let over = failures - free;
    if over < 0 {
        return None;
    }
    let factor = 1i32 << over.min(16);
    Some(
        BACKOFF_FIRST
            .checked_mul(factor)
            .unwrap_or(BACKOFF_MAX)
            .min(BACKOFF_MAX),
    )
}

// ---------------------------------------------------------------- the store

impl Store {
    /// The same store under another sign-in policy (session lifetimes, required second
    /// factor, hash cost).
    pub fn with_auth_policy(mut self, policy: AuthPolicy) -> Store {
        self.policy = Arc::new(policy);
        self
    }

    pub fn auth_policy(&self) -> &AuthPolicy {
        &self.policy
    }

    async fn hash_password(&self, password: Zeroizing<String>) -> Result<String> {
        let _permit = self
            .hash_limit
            .acquire()
            .await
            .map_err(|_| StoreError::Forbidden)?;
        let cost = self.policy.hash_cost;
        tokio::task::spawn_blocking(move || {
            let salt = SaltString::generate(&mut OsRng);
            cost.argon2()
                .hash_password(password.as_bytes(), &salt)
                .map(|h| h.to_string())
        })
        .await
        .map_err(|e| StoreError::Backend(crate::BackendError::Db(e.to_string())))?
        .map_err(|e| StoreError::Backend(crate::BackendError::Db(e.to_string())))
    }

    /// Check a password against a stored hash (whose parameters it carries).
    async fn verify_hash(&self, hash: String, password: Zeroizing<String>) -> bool {
        let Ok(_permit) = self.hash_limit.acquire().await else {
            return false;
        };
        tokio::task::spawn_blocking(move || {
            PasswordHash::new(&hash)
                .map(|h| {
                    Argon2::default()
                        .verify_password(password.as_bytes(), &h)
                        .is_ok()
                })
                .unwrap_or(false)
        })
        .await
        .unwrap_or(false)
    }

    /// Create an account; `audit` (if any) is recorded in the same transaction.
    pub async fn create_user(&self, new: NewUser, audit: Option<AuditEntry>) -> Result<User> {
        let mut errs = FieldErrors::default();
        let username = new.username.trim().to_lowercase();
        if !valid_username(&username) {
            errs.add("username", "err-username", None);
        }
        if let Some(p) = password_problem(&username, &new.password) {
            errs.add("password", p, Some(MIN_PASSWORD_LEN.to_string()));
        }
        if !matches!(new.language.as_str(), "" | "en" | "es") {
            errs.add("language", "err-unknown-code", Some(new.language.clone()));
        }
        if !errs.is_empty() {
            return Err(errs.into());
        }
        let hash = self.hash_password(new.password).await?;
        let mut tx = self.db.begin().await?;
        let rows = tx
            .query(
                "INSERT INTO users (username, password_hash, role, display_name, language, disabled, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                &[
                    username.clone().into(),
                    hash.into(),
                    new.role.code().into(),
                    new.display_name.trim().into(),
                    new.language.into(),
                    false.into(),
                    self.now_text().into(),
                ],
            )
            .await
            .map_err(|e| match e {
                crate::BackendError::Unique => {
                    let mut errs = FieldErrors::default();
                    errs.add("username", "err-username-taken", None);
                    StoreError::Invalid(errs)
                }
                other => other.into(),
            })?;
        let id = rows.first().map(|r| r.int(0)).ok_or(StoreError::NotFound)?;
        self.join_default_in(&mut tx, id).await?;
        self.audit_opt_in(&mut tx, audit, id).await?;
        tx.commit().await?;
        self.user(id).await
    }

    pub async fn user(&self, id: Id) -> Result<User> {
        let rows = self
            .db
            .query(
                &format!("SELECT {USER_COLS} FROM users WHERE id = $1"),
                &[id.into()],
            )
            .await?;
        rows.first().map(user_from).ok_or(StoreError::NotFound)
    }

    pub async fn user_by_name(&self, username: &str) -> Result<User> {
        let rows = self
            .db
            .query(
                &format!("SELECT {USER_COLS} FROM users WHERE username = $1"),
                &[username.trim().to_lowercase().into()],
            )
            .await?;
        rows.first().map(user_from).ok_or(StoreError::NotFound)
    }

    pub async fn users(&self) -> Result<Vec<User>> {
        let rows = self
            .db
            .query(
                &format!("SELECT {USER_COLS} FROM users ORDER BY username"),
                &[],
            )
            .await?;
        Ok(rows.iter().map(user_from).collect())
    }

    pub async fn user_count(&self) -> Result<i64> {
        let rows = self.db.query("SELECT count(*) FROM users", &[]).await?;
        Ok(rows.first().map(|r| r.int(0)).unwrap_or(0))
    }

    /// Disable or enable an account. Disabling ends its sessions and tokens at once.
    pub async fn set_user_disabled(
        &self,
        id: Id,
        disabled: bool,
        audit: Option<AuditEntry>,
    ) -> Result<()> {
        let mut tx = self.db.begin().await?;
        let n = tx
            .execute(
                "UPDATE users SET disabled = $1 WHERE id = $2",
                &[disabled.into(), id.into()],
            )
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        if disabled {
            tx.execute("DELETE FROM sessions WHERE user_id = $1", &[id.into()])
                .await?;
            tx.execute(
                "DELETE FROM login_challenges WHERE user_id = $1",
                &[id.into()],
            )
            .await?;
            tx.execute(
                "UPDATE api_tokens SET revoked = $1 WHERE user_id = $2",
                &[true.into(), id.into()],
            )
            .await?;
            self.revoke_feed_tokens_in(&mut tx, Some(id)).await?;
        }
        self.audit_opt_in(&mut tx, audit, id).await?;
        tx.commit().await?;
        self.sessions.invalidate();
        Ok(())
    }

    pub async fn set_user_role(&self, id: Id, role: Role, audit: Option<AuditEntry>) -> Result<()> {
        let mut tx = self.db.begin().await?;
        let n = tx
            .execute(
                "UPDATE users SET role = $1 WHERE id = $2",
                &[role.code().into(), id.into()],
            )
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        self.audit_opt_in(&mut tx, audit, id).await?;
        tx.commit().await?;
        self.sessions.invalidate();
        Ok(())
    }

    pub async fn set_user_language(&self, id: Id, language: &str) -> Result<()> {
        if !matches!(language, "" | "en" | "es") {
            let mut e = FieldErrors::default();
            e.add("language", "err-unknown-code", Some(language.to_owned()));
            return Err(e.into());
        }
        let mut tx = self.db.begin().await?;
        tx.execute(
            "UPDATE users SET language = $1 WHERE id = $2",
            &[language.into(), id.into()],
        )
        .await?;
        tx.commit().await?;
        self.sessions.invalidate();
        Ok(())
    }

    /// Set a new password (policy checked) and end all the user's sessions. For
    /// administrators and the command line; users change their own with
    /// [`Store::change_password`].
    pub async fn reset_password(&self, id: Id, password: Zeroizing<String>) -> Result<()> {
        let user = self.user(id).await?;
        if let Some(p) = password_problem(&user.username, &password) {
            return Err(password_errors("password", p));
        }
        self.store_password(id, password, None, None).await
    }

    /// Write a new password hash and end the user's sessions, all but `keep` (the
    /// secret of the session to keep), and any half-signed-in login.
    async fn store_password(
        &self,
        id: Id,
        password: Zeroizing<String>,
        keep: Option<&str>,
        audit: Option<AuditEntry>,
    ) -> Result<()> {
        let hash = self.hash_password(password).await?;
        let mut tx = self.db.begin().await?;
        tx.execute(
            "UPDATE users SET password_hash = $1 WHERE id = $2",
            &[hash.into(), id.into()],
        )
        .await?;
        tx.execute(
            "DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2",
            &[id.into(), keep.map(token_hash).unwrap_or_default().into()],
        )
        .await?;
        tx.execute(
            "DELETE FROM login_challenges WHERE user_id = $1",
            &[id.into()],
        )
        .await?;
        self.audit_opt_in(&mut tx, audit, id).await?;
        tx.commit().await?;
        self.sessions.invalidate();
        Ok(())
    }

    /// Change one's own password: the current one must be right (wrong guesses count
    /// toward the account's throttle), the new one must meet the policy, and every
    /// other session of the user ends. `keep` is the secret of the session to keep.
    pub async fn change_password(
        &self,
        id: Id,
        current: Zeroizing<String>,
        new: Zeroizing<String>,
        keep: Option<&str>,
        audit: Option<AuditEntry>,
    ) -> Result<()> {
        let user = self.user(id).await?;
        if !self.check_own_password(&user, current).await? {
            return Err(password_errors("current_password", "err-password-current"));
        }
        if let Some(p) = password_problem(&user.username, &new) {
            return Err(password_errors("password", p));
        }
        self.store_password(id, new, keep, audit).await
    }

    /// A signed-in user re-entering their password (to change it, or to turn off the
    /// second factor). Throttled like a login: a stolen session cannot guess on.
    async fn check_own_password(&self, user: &User, password: Zeroizing<String>) -> Result<bool> {
        let key = account_key(&user.username);
        if self.throttled(std::slice::from_ref(&key)).await? {
            return Ok(false);
        }
        let rows = self
            .db
            .query(
                "SELECT password_hash FROM users WHERE id = $1",
                &[user.id.into()],
            )
            .await?;
        let hash = rows.first().map(|r| r.text(0)).unwrap_or_default();
        if self.verify_hash(hash, password).await {
            Ok(true)
        } else {
            self.record_failure(&key, ACCOUNT_FREE_FAILURES).await?;
            Ok(false)
        }
    }

    // ------------------------------------------------------------ logging in

    /// Check a username and password, throttled (no client address): the user, or
    /// `None` for every kind of refusal. It does not complete a login that needs a
    /// second factor — the web login uses [`Store::login`].
    pub async fn verify_login(
        &self,
        username: &str,
        password: Zeroizing<String>,
    ) -> Result<Option<User>> {
        self.password_step(username, password, None).await
    }

    /// Throttling, then the password. Unknown users cost the same hash as known ones;
    /// disabled accounts fail like wrong passwords; every failure counts against the
    /// account name (known or not) and the client address.
    async fn password_step(
        &self,
        username: &str,
        password: Zeroizing<String>,
        from: Option<IpAddr>,
    ) -> Result<Option<User>> {
        let account = account_key(username);
        let address = from.map(address_key);
        let keys: Vec<String> = std::iter::once(account.clone())
            .chain(address.clone())
            .collect();
        if self.throttled(&keys).await? {
            tracing::debug!("login refused: throttled");
            return Ok(None);
        }
        let rows = self
            .db
            .query(
                &format!("SELECT {USER_COLS}, password_hash FROM users WHERE username = $1"),
                &[username.trim().to_lowercase().into()],
            )
            .await?;
        let user = match rows.first() {
            Some(r) => {
                let user = user_from(r);
                let ok = self.verify_hash(r.text(7), password).await;
                if !ok {
                    tracing::debug!("login refused: wrong password");
                } else if user.disabled {
                    tracing::debug!("login refused: account disabled");
                }
                (ok && !user.disabled).then_some(user)
            }
            None => {
                // Spend the same effort as a real check.
                let _ = self.hash_password(password).await;
                tracing::debug!("login refused: unknown user");
                None
            }
        };
        match user {
            Some(user) => {
                // With a second factor, the account's failures are forgiven only once
                // that is right too: knowing the password must not reset the count of
                // wrong codes.
                if !self.has_two_factor(user.id).await? {
                    self.clear_failures(&account).await?;
                }
                Ok(Some(user))
            }
            None => {
                self.record_failure(&account, ACCOUNT_FREE_FAILURES).await?;
                if let Some(a) = &address {
                    self.record_failure(a, ADDRESS_FREE_FAILURES).await?;
                }
                Ok(None)
            }
        }
    }

    /// The first step of a login: username and password, from a client address.
    pub async fn login(
        &self,
        username: &str,
        password: Zeroizing<String>,
        from: Option<IpAddr>,
    ) -> Result<LoginOutcome> {
        let Some(user) = self.password_step(username, password, from).await? else {
            return Ok(LoginOutcome::Refused);
        };
        if !self.has_two_factor(user.id).await? {
            return Ok(LoginOutcome::SignedIn(user));
        }
        let challenge = Zeroizing::new(random_token());
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        tx.execute(
            "DELETE FROM login_challenges WHERE created_at < $1",
            &[time_text(now - LOGIN_CHALLENGE_TTL).into()],
        )
        .await?;
        tx.execute(
            "INSERT INTO login_challenges (token_hash, user_id, created_at, attempts) VALUES ($1, $2, $3, $4)",
            &[
                token_hash(&challenge).into(),
                user.id.into(),
                time_text(now).into(),
                0i64.into(),
            ],
        )
        .await?;
        tx.commit().await?;
        Ok(LoginOutcome::SecondFactor { user, challenge })
    }

    /// The user a half-signed-in login belongs to, if it is still pending.
    pub async fn pending_login(&self, challenge: &str) -> Result<Option<User>> {
        Ok(self.challenge(challenge).await?.map(|(u, _)| u))
    }

    async fn challenge(&self, challenge: &str) -> Result<Option<(User, i64)>> {
        let h = token_hash(challenge);
        let rows = self
            .db
            .query(
                &format!(
                    "SELECT {USER_COLS_U}, c.created_at, c.attempts FROM login_challenges c
                     JOIN users u ON u.id = c.user_id WHERE c.token_hash = $1"
                ),
                &[h.clone().into()],
            )
            .await?;
        let Some(r) = rows.first() else {
            return Ok(None);
        };
        let user = user_from(r);
        let created = parse_time(&r.text(7));
        if user.disabled || self.clock.now() - created > LOGIN_CHALLENGE_TTL {
            self.drop_challenge(&h).await?;
            return Ok(None);
        }
        Ok(Some((user, r.int(8))))
    }

    async fn drop_challenge(&self, hash: &str) -> Result<()> {
        let mut tx = self.db.begin().await?;
        tx.execute(
            "DELETE FROM login_challenges WHERE token_hash = $1",
            &[hash.into()],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The second step of a login: a TOTP code, or one of the recovery codes.
    pub async fn complete_login(
        &self,
        challenge: &str,
        code: &str,
        from: Option<IpAddr>,
    ) -> Result<SecondFactorOutcome> {
        let Some((user, attempts)) = self.challenge(challenge).await? else {
            return Ok(SecondFactorOutcome::Expired);
        };
        let h = token_hash(challenge);
        let account = account_key(&user.username);
        let address = from.map(address_key);
        let keys: Vec<String> = std::iter::once(account.clone())
            .chain(address.clone())
            .collect();
        if self.throttled(&keys).await? {
            self.drop_challenge(&h).await?;
            return Ok(SecondFactorOutcome::Expired);
        }
        let code = normalise_code(code);
        let totp = looks_like_totp(&code);
        let ok = if totp {
            self.check_totp(user.id, &code, true).await?.is_some()
        } else {
            self.redeem_recovery_code(&user, &code, from).await?
        };
        // The outcome only: never the code typed.
        let outcome = if ok {
            Action::SecondFactor
        } else {
            Action::SecondFactorFailed
        };
        let entry = AuditEntry::new(outcome, "user")
            .by(&Actor::from(&user))
            .id(user.id)
            .with("method", if totp { "totp" } else { "recovery_code" })
            .ip(from.map(|a| a.to_string()).as_deref());
        self.audit(&entry).await?;
        if !ok {
            tracing::debug!(user = user.id, "second factor refused");
        }
        self.settle_second_factor(ok, user, attempts, &h, &account, address.as_deref())
            .await
    }

    /// What a checked and audited second-factor attempt (TOTP, recovery code or
    /// security key) leads to: signed in (challenge spent, failures cleared), or a
    /// failure counted against the account and the address and the challenge retried
    /// until its attempts run out.
    pub(crate) async fn settle_second_factor(
        &self,
        ok: bool,
        user: User,
        attempts: i64,
        h: &str,
        account: &str,
        address: Option<&str>,
    ) -> Result<SecondFactorOutcome> {
        if ok {
            self.drop_challenge(h).await?;
            self.clear_failures(account).await?;
            return Ok(SecondFactorOutcome::SignedIn(user));
        }
        self.record_failure(account, ACCOUNT_FREE_FAILURES).await?;
        if let Some(a) = address {
            self.record_failure(a, ADDRESS_FREE_FAILURES).await?;
        }
        if attempts + 1 >= CHALLENGE_ATTEMPTS {
            self.drop_challenge(h).await?;
            return Ok(SecondFactorOutcome::Expired);
        }
        let mut tx = self.db.begin().await?;
        tx.execute(
            "UPDATE login_challenges SET attempts = attempts + 1 WHERE token_hash = $1",
            &[h.into()],
        )
        .await?;
        tx.commit().await?;
        Ok(SecondFactorOutcome::Retry)
    }

    // ------------------------------------------------------------ throttling

    /// Is any of these keys in back-off now?
    async fn throttled(&self, keys: &[String]) -> Result<bool> {
        let now = self.now_text();
        for key in keys {
            let rows = self
                .db
                .query(
                    "SELECT locked_until FROM login_throttle WHERE key = $1",
                    &[key.into()],
                )
                .await?;
            if rows
                .first()
                .and_then(|r| r.opt_text(0))
                .is_some_and(|until| until > now)
            {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Count a failure; past `free` failures, lock the key for a growing while.
    /// The count is one atomic statement, so several instances count together.
    async fn record_failure(&self, key: &str, free: i64) -> Result<()> {
        let now = self.clock.now();
        let now_text = time_text(now);
        let forget = time_text(now - THROTTLE_FORGET);
        let mut tx = self.db.begin().await?;
        let rows = tx
            .query(
                "INSERT INTO login_throttle (key, failures, last_failure) VALUES ($1, 1, $2)
                 ON CONFLICT (key) DO UPDATE SET
                   failures = CASE WHEN login_throttle.last_failure < $3 THEN 1
                                   ELSE login_throttle.failures + 1 END,
                   last_failure = $2
                 RETURNING failures",
                &[key.into(), now_text.clone().into(), forget.clone().into()],
            )
            .await?;
        let failures = rows.first().map_or(1, |r| r.int(0));
        if let Some(wait) = backoff(failures, free) {
            tracing::info!(failures, seconds = wait.num_seconds(), "login back-off");
            tx.execute(
                "UPDATE login_throttle SET locked_until = $1 WHERE key = $2",
                &[time_text(now + wait).into(), key.into()],
            )
            .await?;
        }
        // Forget what no longer matters, so attacks on made-up names leave nothing.
        tx.execute(
            "DELETE FROM login_throttle WHERE last_failure < $1 AND (locked_until IS NULL OR locked_until < $2)",
            &[forget.into(), now_text.into()],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn clear_failures(&self, key: &str) -> Result<()> {
        let mut tx = self.db.begin().await?;
        tx.execute("DELETE FROM login_throttle WHERE key = $1", &[key.into()])
            .await?;
        tx.commit().await?;
        Ok(())
    }

    // ------------------------------------------------------------ second factor

    /// Does the user have a confirmed second factor (TOTP or a security key)?
    pub async fn has_two_factor(&self, user_id: Id) -> Result<bool> {
        Ok(self.two_factor(user_id).await?.is_some()
            || !self
                .db
                .query(
                    "SELECT 1 FROM webauthn_credentials WHERE user_id = $1",
                    &[user_id.into()],
                )
                .await?
                .is_empty())
    }

    /// The user's confirmed second factor, if any.
    pub async fn two_factor(&self, user_id: Id) -> Result<Option<TwoFactor>> {
        let rows = self
            .db
            .query(
                "SELECT t.confirmed_at,
                        (SELECT count(*) FROM recovery_codes r WHERE r.user_id = t.user_id AND r.used_at IS NULL)
                 FROM user_totp t WHERE t.user_id = $1 AND t.confirmed_at IS NOT NULL",
                &[user_id.into()],
            )
            .await?;
        Ok(rows.first().map(|r| TwoFactor {
            since: parse_time(&r.text(0)),
            recovery_codes_left: r.int(1),
        }))
    }

    /// The ids of users with a confirmed second factor.
    pub async fn users_with_two_factor(&self) -> Result<Vec<Id>> {
        let rows = self
            .db
            .query(
                "SELECT user_id FROM user_totp WHERE confirmed_at IS NOT NULL UNION SELECT user_id FROM webauthn_credentials ORDER BY user_id",
                &[],
            )
            .await?;
        Ok(rows.iter().map(|r| r.int(0)).collect())
    }

    /// Begin enrolling a TOTP secret (replacing one not yet confirmed). Refused while
    /// a confirmed one exists: turn that off first.
    pub async fn start_totp(&self, user_id: Id) -> Result<TotpSetup> {
        if self.two_factor(user_id).await?.is_some() {
            return Err(StoreError::Forbidden);
        }
        let user = self.user(user_id).await?;
        let mut key = Zeroizing::new([0u8; TOTP_SECRET_BYTES]);
        rand::rngs::OsRng.fill_bytes(key.as_mut());
        let mut tx = self.db.begin().await?;
        tx.execute(
            "DELETE FROM user_totp WHERE user_id = $1",
            &[user_id.into()],
        )
        .await?;
        tx.execute(
            "INSERT INTO user_totp (user_id, secret, created_at, confirmed_at, last_step) VALUES ($1, $2, $3, $4, $5)",
            &[
                user_id.into(),
                self.seal(TOTP_SECRET, &hex::encode(key.as_ref())).into(),
                self.now_text().into(),
                Val::Text(None),
                0i64.into(),
            ],
        )
        .await?;
        tx.commit().await?;
        self.sessions.invalidate();
        let secret = Zeroizing::new(base32_encode(key.as_ref()));
        let uri = Zeroizing::new(otpauth_uri(&user.username, &secret));
        Ok(TotpSetup { secret, uri })
    }

    /// The TOTP secret being enrolled, if enrolment has begun and is not confirmed.
    pub async fn pending_totp(&self, user_id: Id) -> Result<Option<TotpSetup>> {
        let rows = self
            .db
            .query(
                "SELECT t.secret, u.username FROM user_totp t JOIN users u ON u.id = t.user_id
                 WHERE t.user_id = $1 AND t.confirmed_at IS NULL",
                &[user_id.into()],
            )
            .await?;
        let Some(r) = rows.first() else {
            return Ok(None);
        };
        let stored = Zeroizing::new(self.unseal(TOTP_SECRET, r.text(0))?);
        Ok(Some(r).and_then(|r| {
            let key = Zeroizing::new(hex::decode(stored.as_str()).ok()?);
            let secret = Zeroizing::new(base32_encode(&key));
            let uri = Zeroizing::new(otpauth_uri(&r.text(1), &secret));
            Some(TotpSetup { secret, uri })
        }))
    }

    /// Confirm the enrolment with a code from the new secret: from now on the user
    /// signs in with a second factor. Returns the recovery codes, to show once.
    pub async fn confirm_totp(
        &self,
        user_id: Id,
        code: &str,
        audit: Option<AuditEntry>,
    ) -> Result<Vec<Zeroizing<String>>> {
        let code = normalise_code(code);
        if !looks_like_totp(&code) || self.check_totp(user_id, &code, false).await?.is_none() {
            let mut e = FieldErrors::default();
            e.add("code", "err-totp-code", None);
            return Err(e.into());
        }
        let mut tx = self.db.begin().await?;
        tx.execute(
            "UPDATE user_totp SET confirmed_at = $1 WHERE user_id = $2",
            &[self.now_text().into(), user_id.into()],
        )
        .await?;
        let codes = self.replace_recovery_codes_in(&mut tx, user_id).await?;
        self.audit_opt_in(&mut tx, audit, user_id).await?;
        tx.commit().await?;
        self.sessions.invalidate();
        Ok(codes)
    }

    /// Check a TOTP code in constant time against the current step and its neighbours,
    /// only for steps after the last one used; on success remember the step, so the
    /// same code (or an older one) is refused from then on. `confirmed` chooses between
    /// the active secret and the one being enrolled.
    async fn check_totp(&self, user_id: Id, code: &str, confirmed: bool) -> Result<Option<i64>> {
        let sql = if confirmed {
            "SELECT secret, last_step FROM user_totp WHERE user_id = $1 AND confirmed_at IS NOT NULL"
        } else {
            "SELECT secret, last_step FROM user_totp WHERE user_id = $1 AND confirmed_at IS NULL"
        };
        let rows = self.db.query(sql, &[user_id.into()]).await?;
        let Some(r) = rows.first() else {
            return Ok(None);
        };
        let stored = Zeroizing::new(self.unseal(TOTP_SECRET, r.text(0))?);
        let Ok(key) = hex::decode(stored.as_str()).map(Zeroizing::new) else {
            return Ok(None);
        };
        let last_step = r.int(1);
        let now = totp_step(self.clock.now());
        let mut matched = None;
        for step in (now - TOTP_WINDOW)..=(now + TOTP_WINDOW) {
            let expected = u64::try_from(step)
                .ok()
                .and_then(|s| hotp(&key, s))
                .map(code_text)
                .unwrap_or_default();
            let same = bool::from(expected.as_bytes().ct_eq(code.as_bytes()));
            if same && step > last_step && matched.is_none() {
                matched = Some(step);
            }
        }
        let Some(step) = matched else {
            return Ok(None);
        };
        // Only one request can move the step forward: a code raced twice works once.
        let mut tx = self.db.begin().await?;
        let n = tx
            .execute(
                "UPDATE user_totp SET last_step = $1 WHERE user_id = $2 AND last_step < $1",
                &[step.into(), user_id.into()],
            )
            .await?;
        tx.commit().await?;
        Ok((n == 1).then_some(step))
    }

    /// Check a TOTP code of the user's active second factor (and use it up).
    pub async fn verify_totp(&self, user_id: Id, code: &str) -> Result<bool> {
        let code = normalise_code(code);
        Ok(looks_like_totp(&code) && self.check_totp(user_id, &code, true).await?.is_some())
    }

    /// Use one recovery code: true once per code. A code used is in the audit log.
    pub async fn use_recovery_code(&self, user_id: Id, code: &str) -> Result<bool> {
        let user = self.user(user_id).await?;
        self.redeem_recovery_code(&user, code, None).await
    }

    /// Spend a recovery code and record it in the same transaction (never the code).
    async fn redeem_recovery_code(
        &self,
        user: &User,
        code: &str,
        from: Option<IpAddr>,
    ) -> Result<bool> {
        let user_id = user.id;
        let wanted = recovery_hash(&normalise_code(code));
        let rows = self
            .db
            .query(
                "SELECT id, code_hash FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL",
                &[user_id.into()],
            )
            .await?;
        let mut found = None;
        for r in &rows {
            if bool::from(r.text(1).as_bytes().ct_eq(wanted.as_bytes())) {
                found = Some(r.int(0));
            }
        }
        let Some(id) = found else {
            return Ok(false);
        };
        let mut tx = self.db.begin().await?;
        let n = tx
            .execute(
                "UPDATE recovery_codes SET used_at = $1 WHERE id = $2 AND used_at IS NULL",
                &[self.now_text().into(), id.into()],
            )
            .await?;
        if n == 1 {
            let left = tx
                .query(
                    "SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL",
                    &[user_id.into()],
                )
                .await?
                .first()
                .map_or(0, |r| r.int(0));
            let entry = AuditEntry::new(Action::RecoveryCodeUsed, "user")
                .by(&Actor::from(user))
                .with("left", left)
                .ip(from.map(|a| a.to_string()).as_deref());
            self.audit_opt_in(&mut tx, Some(entry), user_id).await?;
        }
        tx.commit().await?;
        if n == 1 {
            tracing::info!(user = user_id, "recovery code used");
        }
        Ok(n == 1)
    }

    /// Replace the user's recovery codes inside `tx`; returns the new ones, to show once.
    async fn replace_recovery_codes_in(
        &self,
        tx: &mut Box<dyn Tx>,
        user_id: Id,
    ) -> Result<Vec<Zeroizing<String>>> {
        let codes: Vec<Zeroizing<String>> =
            (0..RECOVERY_CODES).map(|_| new_recovery_code()).collect();
        tx.execute(
            "DELETE FROM recovery_codes WHERE user_id = $1",
            &[user_id.into()],
        )
        .await?;
        for c in &codes {
            tx.execute(
                "INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)",
                &[user_id.into(), recovery_hash(&normalise_code(c)).into()],
            )
            .await?;
        }
        Ok(codes)
    }

    /// New recovery codes (the old ones stop working), given a current TOTP code.
    pub async fn new_recovery_codes(
        &self,
        user_id: Id,
        code: &str,
        audit: Option<AuditEntry>,
    ) -> Result<Vec<Zeroizing<String>>> {
        if !self.verify_totp(user_id, code).await? {
            let mut e = FieldErrors::default();
            e.add("code", "err-totp-code", None);
            return Err(e.into());
        }
        let mut tx = self.db.begin().await?;
        let codes = self.replace_recovery_codes_in(&mut tx, user_id).await?;
        self.audit_opt_in(&mut tx, audit, user_id).await?;
        tx.commit().await?;
        Ok(codes)
    }

    /// Turn off one's own second factor, given the password. Refused when the user's
    /// role requires one.
    pub async fn turn_off_two_factor(
        &self,
        user_id: Id,
        password: Zeroizing<String>,
        audit: Option<AuditEntry>,
    ) -> Result<()> {
        let user = self.user(user_id).await?;
        if self.policy.requires_two_factor(user.role) {
            return Err(StoreError::Forbidden);
        }
        if !self.check_own_password(&user, password).await? {
            return Err(password_errors("current_password", "err-password-current"));
        }
        self.remove_two_factor(user_id, false, audit).await
    }

    /// An administrator's reset: the second factor and recovery codes are removed and
    /// the user's sessions end, so they sign in again with the password and enrol anew.
    pub async fn reset_two_factor(&self, user_id: Id, audit: Option<AuditEntry>) -> Result<()> {
        let user = self.user(user_id).await?;
        let audit = audit.map(|e| e.with("username", user.username.as_str()));
        self.remove_two_factor(user_id, true, audit).await
    }

    async fn remove_two_factor(
        &self,
        user_id: Id,
        end_sessions: bool,
        audit: Option<AuditEntry>,
    ) -> Result<()> {
        let mut tx = self.db.begin().await?;
        tx.execute(
            "DELETE FROM user_totp WHERE user_id = $1",
            &[user_id.into()],
        )
        .await?;
        tx.execute(
            "DELETE FROM recovery_codes WHERE user_id = $1",
            &[user_id.into()],
        )
        .await?;
        tx.execute(
            "DELETE FROM login_challenges WHERE user_id = $1",
            &[user_id.into()],
        )
        .await?;
        for table in ["webauthn_credentials", "webauthn_ceremonies"] {
            tx.execute(
                &format!("DELETE FROM {table} WHERE user_id = $1"),
                &[user_id.into()],
            )
            .await?;
        }
        if end_sessions {
            tx.execute("DELETE FROM sessions WHERE user_id = $1", &[user_id.into()])
                .await?;
        }
        self.audit_opt_in(&mut tx, audit, user_id).await?;
        tx.commit().await?;
        self.sessions.invalidate();
        Ok(())
    }

    // ------------------------------------------------------------ sessions

    /// Start a session; returns the secret cookie value. Sessions past their time are
    /// swept on the way.
    pub async fn create_session(&self, user_id: Id) -> Result<String> {
        let token = random_token();
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        tx.execute(
            "DELETE FROM sessions WHERE last_seen < $1 OR created_at < $2",
            &[
                time_text(now - self.policy.session_idle).into(),
                time_text(now - self.policy.session_max).into(),
            ],
        )
        .await?;
        tx.execute(
            "INSERT INTO sessions (token_hash, user_id, csrf, created_at, last_seen) VALUES ($1, $2, $3, $4, $4)",
            &[token_hash(&token).into(), user_id.into(), random_token().into(), time_text(now).into()],
        )
        .await?;
        tx.commit().await?;
        Ok(token)
    }

    fn session_expired(
        &self,
        now: DateTime<Utc>,
        created: DateTime<Utc>,
        last_seen: DateTime<Utc>,
    ) -> bool {
        now - created > self.policy.session_max || now - last_seen > self.policy.session_idle
    }

    /// The session for a cookie value, if it is live. Refreshes its idle timer.
    /// A session read less than [`crate::session_cache::SESSION_CACHE_TTL`] ago comes
    /// from this instance's cache (see `session_cache.rs`); expiry is checked all the same.
    pub async fn session(&self, token: &str) -> Result<Option<Session>> {
        let h = token_hash(token);
        if let Some(c) = self.sessions.get(&h) {
            let now = self.clock.now();
            // Past a minute the idle timer needs refreshing: ask the database.
            if !self.session_expired(now, c.created, c.last_seen)
                && now - c.last_seen <= Duration::minutes(1)
            {
                return Ok(Some(c.session));
            }
        }
        let generation = self.sessions.generation();
        let rows = self
            .db
            .query(
                &format!(
                    "SELECT {USER_COLS_U}, s.csrf, s.created_at, s.last_seen,
                            (EXISTS (SELECT 1 FROM user_totp t WHERE t.user_id = u.id AND t.confirmed_at IS NOT NULL)
                             OR EXISTS (SELECT 1 FROM webauthn_credentials w WHERE w.user_id = u.id))
                     FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1"
                ),
                &[h.clone().into()],
            )
            .await?;
        let Some(r) = rows.first() else {
            return Ok(None);
        };
        let user = user_from(r);
        let now = self.clock.now();
        let created = parse_time(&r.text(8));
        let last_seen = parse_time(&r.text(9));
        if user.disabled || self.session_expired(now, created, last_seen) {
            self.sessions.forget(&h);
            let mut tx = self.db.begin().await?;
            tx.execute("DELETE FROM sessions WHERE token_hash = $1", &[h.into()])
                .await?;
            tx.commit().await?;
            return Ok(None);
        }
        let mut last_seen = last_seen;
        if now - last_seen > Duration::minutes(1) {
            let mut tx = self.db.begin().await?;
            tx.execute(
                "UPDATE sessions SET last_seen = $1 WHERE token_hash = $2",
                &[self.now_text().into(), h.clone().into()],
            )
            .await?;
            tx.commit().await?;
            last_seen = now;
        }
        let two_factor = r.bool(10);
        let session = Session {
            must_enrol: !two_factor && self.policy.requires_two_factor(user.role),
            user,
            csrf: r.text(7),
            id: session_id(&h),
            two_factor,
        };
        self.sessions.put(
            h,
            crate::session_cache::Cached {
                session: session.clone(),
                created,
                last_seen,
            },
            generation,
        );
        Ok(Some(session))
    }

    /// The user's live sessions, most recently used first.
    pub async fn sessions_of(&self, user_id: Id) -> Result<Vec<SessionInfo>> {
        let rows = self
            .db
            .query(
                "SELECT token_hash, created_at, last_seen FROM sessions WHERE user_id = $1
                 ORDER BY last_seen DESC, created_at DESC",
                &[user_id.into()],
            )
            .await?;
        let now = self.clock.now();
        Ok(rows
            .iter()
            .map(|r| SessionInfo {
                id: session_id(&r.text(0)),
                created_at: parse_time(&r.text(1)),
                last_seen: parse_time(&r.text(2)),
            })
            .filter(|s| !self.session_expired(now, s.created_at, s.last_seen))
            .collect())
    }

    /// End one of the user's sessions, named by its [`SessionInfo::id`].
    pub async fn revoke_session(
        &self,
        user_id: Id,
        id: &str,
        audit: Option<AuditEntry>,
    ) -> Result<()> {
        let rows = self
            .db
            .query(
                "SELECT token_hash FROM sessions WHERE user_id = $1",
                &[user_id.into()],
            )
            .await?;
        let Some(h) = rows
            .iter()
            .map(|r| r.text(0))
            .find(|h| bool::from(session_id(h).as_bytes().ct_eq(id.as_bytes())))
        else {
            return Err(StoreError::NotFound);
        };
        let mut tx = self.db.begin().await?;
        tx.execute("DELETE FROM sessions WHERE token_hash = $1", &[h.into()])
            .await?;
        // The public id only (derived from the stored hash): never the cookie.
        let audit = audit.map(|e| e.with("session", id));
        self.audit_opt_in(&mut tx, audit, user_id).await?;
        tx.commit().await?;
        self.sessions.invalidate();
        Ok(())
    }

    async fn drop_session_hash(&self, hash: &str) -> Result<()> {
        let mut tx = self.db.begin().await?;
        tx.execute("DELETE FROM sessions WHERE token_hash = $1", &[hash.into()])
            .await?;
        tx.commit().await?;
        self.sessions.invalidate();
        Ok(())
    }

    pub async fn delete_session(&self, token: &str) -> Result<()> {
        self.drop_session_hash(&token_hash(token)).await
    }

    /// Lock-down: every session, every half-signed-in login and every API token of
    /// every user ends at once — for a raid or a lost laptop. Everyone signs in again.
    pub async fn lockdown(&self, audit: Option<AuditEntry>) -> Result<Lockdown> {
        let mut tx = self.db.begin().await?;
        let sessions = tx.execute("DELETE FROM sessions", &[]).await?;
        tx.execute("DELETE FROM login_challenges", &[]).await?;
        let api_tokens = tx
            .execute(
                "UPDATE api_tokens SET revoked = $1 WHERE revoked = $2",
                &[true.into(), false.into()],
            )
            .await?;
        let feed_tokens = self.revoke_feed_tokens_in(&mut tx, None).await?;
        if let Some(e) = audit {
            let e = e
                .with("sessions", sessions)
                .with("api_tokens", api_tokens)
                .with("feed_tokens", feed_tokens);
            self.audit_in(&mut tx, &e).await?;
        }
        tx.commit().await?;
        self.sessions.invalidate();
        tracing::warn!(
            sessions,
            api_tokens,
            "lock-down: every session and API token revoked"
        );
        Ok(Lockdown {
            sessions,
            api_tokens,
        })
    }

    // ------------------------------------------------------------ API tokens

    /// Create an API token for a user; the secret is returned once and stored hashed.
    pub async fn create_api_token(
        &self,
        user_id: Id,
        name: &str,
        audit: Option<AuditEntry>,
    ) -> Result<(ApiToken, String)> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            let mut e = FieldErrors::default();
            e.add("name", "err-required", None);
            return Err(e.into());
        }
        let secret = format!("vgl_{}", random_token());
        let mut tx = self.db.begin().await?;
        let rows = tx
            .query(
                "INSERT INTO api_tokens (user_id, name, token_hash, created_at, revoked) VALUES ($1, $2, $3, $4, $5) RETURNING id",
                &[user_id.into(), name.into(), token_hash(&secret).into(), self.now_text().into(), false.into()],
            )
            .await?;
        let id = rows.first().map(|r| r.int(0)).ok_or(StoreError::NotFound)?;
        self.audit_opt_in(&mut tx, audit, id).await?;
        tx.commit().await?;
        let tokens = self.api_tokens(user_id).await?;
        let t = tokens
            .into_iter()
            .find(|t| t.id == id)
            .ok_or(StoreError::NotFound)?;
        Ok((t, secret))
    }

    pub async fn api_tokens(&self, user_id: Id) -> Result<Vec<ApiToken>> {
        let rows = self
            .db
            .query(
                "SELECT id, name, created_at, last_used, revoked FROM api_tokens WHERE user_id = $1 ORDER BY id",
                &[user_id.into()],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| ApiToken {
                id: r.int(0),
                name: r.text(1),
                created_at: parse_time(&r.text(2)),
                last_used: r.opt_text(3).map(|t| parse_time(&t)),
                revoked: r.bool(4),
            })
            .collect())
    }

    pub async fn revoke_api_token(
        &self,
        user_id: Id,
        token_id: Id,
        audit: Option<AuditEntry>,
    ) -> Result<()> {
        let mut tx = self.db.begin().await?;
        let n = tx
            .execute(
                "UPDATE api_tokens SET revoked = $1 WHERE id = $2 AND user_id = $3",
                &[true.into(), token_id.into(), user_id.into()],
            )
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        self.audit_opt_in(&mut tx, audit, token_id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The user behind a bearer token, if the token is live.
    pub async fn token_user(&self, secret: &str) -> Result<Option<User>> {
        let h = token_hash(secret);
        let rows = self
            .db
            .query(
                &format!(
                    "SELECT {USER_COLS_U}, t.token_hash, t.id
                     FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1 AND t.revoked = $2"
                ),
                &[h.clone().into(), false.into()],
            )
            .await?;
        let Some(r) = rows.first() else {
            return Ok(None);
        };
        // The lookup is by hash; compare again in constant time for defence in depth.
        if !bool::from(r.text(7).as_bytes().ct_eq(h.as_bytes())) {
            return Ok(None);
        }
        let user = user_from(r);
        if user.disabled {
            return Ok(None);
        }
        let mut tx = self.db.begin().await?;
        tx.execute(
            "UPDATE api_tokens SET last_used = $1 WHERE id = $2",
            &[self.now_text().into(), Val::from(r.int(8))],
        )
        .await?;
        tx.commit().await?;
        Ok(Some(user))
    }
}

// ---------------------------------------------------------------- as the signed-in user

/// Account operations through the authorising layer: everyone manages their own
/// sessions, password and second factor; only administrators reset someone else's
/// second factor or lock the instance down.
impl Access {
    fn require_admin(&self) -> Result<()> {
        if self.can(Permission::Administer) {
            Ok(())
        } else {
            tracing::debug!(user = self.actor().user_id, "administration refused");
            Err(StoreError::Forbidden)
        }
    }

    /// The instance's sign-in policy (session lifetimes, required second factor).
    pub fn auth_policy(&self) -> &AuthPolicy {
        self.store().auth_policy()
    }

    /// Must this user's role have a second factor?
    pub fn two_factor_required(&self) -> bool {
        self.store()
            .auth_policy()
            .requires_two_factor(self.actor().role)
    }

    pub async fn own_sessions(&self) -> Result<Vec<SessionInfo>> {
        self.store().sessions_of(self.actor().user_id).await
    }

    /// An entry about the signed-in user's own account.
    fn own_entry(&self, action: Action) -> Option<AuditEntry> {
        Some(AuditEntry::new(action, "user").by(self.actor()))
    }

    pub async fn revoke_own_session(&self, id: &str) -> Result<()> {
        let audit = self.own_entry(Action::SessionRevoke);
        self.store()
            .revoke_session(self.actor().user_id, id, audit)
            .await
    }

    /// Change one's password; `keep` is the secret of the session that asked.
    pub async fn change_own_password(
        &self,
        current: Zeroizing<String>,
        new: Zeroizing<String>,
        keep: Option<&str>,
    ) -> Result<()> {
        self.store()
            .change_password(
                self.actor().user_id,
                current,
                new,
                keep,
                self.own_entry(Action::PasswordChange),
            )
            .await
    }

    pub async fn own_two_factor(&self) -> Result<Option<TwoFactor>> {
        self.store().two_factor(self.actor().user_id).await
    }

    pub async fn start_own_totp(&self) -> Result<TotpSetup> {
        self.store().start_totp(self.actor().user_id).await
    }

    pub async fn own_pending_totp(&self) -> Result<Option<TotpSetup>> {
        self.store().pending_totp(self.actor().user_id).await
    }

    pub async fn confirm_own_totp(&self, code: &str) -> Result<Vec<Zeroizing<String>>> {
        let audit = self.own_entry(Action::TwoFactorEnrol);
        self.store()
            .confirm_totp(self.actor().user_id, code, audit)
            .await
    }

    pub async fn new_own_recovery_codes(&self, code: &str) -> Result<Vec<Zeroizing<String>>> {
        self.store()
            .new_recovery_codes(
                self.actor().user_id,
                code,
                self.own_entry(Action::RecoveryCodesRenew),
            )
            .await
    }

    pub async fn turn_off_own_two_factor(&self, password: Zeroizing<String>) -> Result<()> {
        self.store()
            .turn_off_two_factor(
                self.actor().user_id,
                password,
                self.own_entry(Action::TwoFactorDisable),
            )
            .await
    }

    /// Administrators: which users have a second factor.
    pub async fn users_with_two_factor(&self) -> Result<Vec<Id>> {
        self.require_admin()?;
        self.store().users_with_two_factor().await
    }

    /// Administrators reset another user's second factor (journey 4: a lost phone).
    /// One's own is turned off on the account page, with the password.
    pub async fn reset_two_factor(&self, user_id: Id) -> Result<()> {
        self.require_admin()?;
        if user_id == self.actor().user_id {
            return Err(StoreError::Forbidden);
        }
        let audit = self.own_entry(Action::TwoFactorReset);
        self.store().reset_two_factor(user_id, audit).await
    }

    /// Administrators end every session and API token, their own included.
    pub async fn lockdown(&self) -> Result<Lockdown> {
        self.require_admin()?;
        self.store()
            .lockdown(self.own_entry(Action::Lockdown))
            .await
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use chrono::TimeZone as _;

    #[test]
    fn totp_matches_the_rfc_6238_test_vectors() {
        // RFC 6238 appendix B, SHA-1 (8-digit codes there; 6 digits are the last six).
        let secret = base32_encode(b"12345678901234567890");
        for (t, code) in [
            (59, "287082"),
            (1_111_111_109, "081804"),
            (1_111_111_111, "050471"),
            (1_234_567_890, "005924"),
            (2_000_000_000, "279037"),
            (20_000_000_000, "353130"),
        ] {
            let at = Utc.timestamp_opt(t, 0).single().unwrap();
            assert_eq!(totp_code(&secret, at).as_deref(), Some(code), "t = {t}");
        }
    }

    #[test]
    fn base32_round_trips() {
        assert_eq!(base32_encode(b"foobar"), "MZXW6YTBOI");
        assert_eq!(base32_decode("mzxw6ytboi======").unwrap(), b"foobar");
        assert_eq!(base32_decode("MZXW 6YTB OI").unwrap(), b"foobar");
        assert!(base32_decode("MZ1W").is_none());
        for n in 0..40u8 {
            let bytes: Vec<u8> = (0..n).map(|i| i.wrapping_mul(37)).collect();
            assert_eq!(base32_decode(&base32_encode(&bytes)).unwrap(), bytes);
        }
    }

    #[test]
    fn recovery_codes_have_80_bits_and_a_readable_shape() {
        let c = new_recovery_code();
        assert_eq!(c.len(), 19);
        assert_eq!(c.matches('-').count(), 3);
        assert_eq!(normalise_code(&c).len(), 16);
        assert_ne!(new_recovery_code(), c);
        assert_eq!(
            recovery_hash(&normalise_code(" ABCD-efgh ijkl-MNOP ")),
            recovery_hash("ABCDEFGHIJKLMNOP")
        );
    }

    #[test]
    fn otpauth_uri_names_issuer_and_account() {
        let uri = otpauth_uri("ana.maria@ong", "JBSWY3DPEHPK3PXP");
        assert_eq!(
            uri,
            "otpauth://totp/Vigil:ana.maria%40ong?secret=JBSWY3DPEHPK3PXP&issuer=Vigil&algorithm=SHA1&digits=6&period=30"
        );
    }

    #[test]
    fn common_passwords_are_refused() {
        assert!(is_common_password("qwerty123456"));
        assert!(is_common_password("QWERTY123456"));
        assert!(!is_common_password("correct horse battery"));
        assert_eq!(
            password_problem("ana", "Password1234"),
            Some("err-password-common")
        );
        assert_eq!(password_problem("ana", "short"), Some("err-password-short"));
        assert_eq!(password_problem("ana", "a long enough passphrase"), None);
        assert!(COMMON_PASSWORDS.len() > 19_000);
    }

    #[test]
    fn back_off_doubles_from_the_first_wait_up_to_the_cap() {
        assert_eq!(backoff(4, 5), None);
        assert_eq!(backoff(5, 5), Some(BACKOFF_FIRST));
        assert_eq!(backoff(6, 5), Some(BACKOFF_FIRST * 2));
        assert_eq!(backoff(7, 5), Some(BACKOFF_FIRST * 4));
        assert_eq!(backoff(50, 5), Some(BACKOFF_MAX));
        assert_eq!(backoff(i64::MAX, 5), Some(BACKOFF_MAX));
    }

    #[test]
    fn addresses_are_counted_per_host_or_ipv6_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        assert_eq!(address_key(a), address_key(b));
        assert_eq!(address_key(a), "ip:2001:db8:1:2::/64");
        let v4: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        assert_eq!(address_key(v4), "ip:192.0.2.7");
        assert_eq!(account_key(" Ana "), account_key("ana"));
        assert!(!account_key("my secret password").contains("secret"));
    }

    #[test]
    fn calibration_stays_within_bounds() {
        let fast = calibrate_hash_cost(std::time::Duration::ZERO, 1024);
        assert_eq!(fast.iterations, MIN_HASH_ITERATIONS);
        assert_eq!(fast.memory_kib, 1024);
        let slow = calibrate_hash_cost(std::time::Duration::from_secs(3600), 1024);
        assert_eq!(slow.iterations, MAX_HASH_ITERATIONS);
    }
}
