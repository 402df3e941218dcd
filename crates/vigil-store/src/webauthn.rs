//! WebAuthn security keys as a second factor, beside TOTP: the storage half. The
//! ceremonies themselves (challenges, signatures, origins) are checked in the web layer
//! by `webauthn-rs`; this module keeps what lives between requests and what a login
//! decides:
//!
//! - **Credentials** (`webauthn_credentials`): webauthn-rs's JSON of each key (public
//!   key, credential id, counter) with the name its owner gave it; found by the SHA-256
//!   of the credential id. On PostgreSQL the JSON and the name are sealed.
//! - **Ceremonies** (`webauthn_ceremonies`): the server's half of a ceremony in progress
//!   (its challenge), **taken once**: a replayed response finds nothing and is refused.
//!   At most [`CEREMONY_TTL`] old.
//! - **Sign counter**: a login whose counter does not grow past the stored one (both
//!   non-zero) is refused as a possible clone, and audited as a failure.
//!
//! A declared child of `auth`, so the login steps share its throttling and challenges.

use chrono::Duration;
use serde::Serialize;
use std::net::IpAddr;
use zeroize::Zeroizing;

use vigil_domain::model::Id;
use vigil_domain::validate::FieldErrors;

use super::{account_key, address_key, time_text, token_hash, SecondFactorOutcome};
use crate::audit::{Action, AuditEntry};
use crate::{parse_time, Access, Actor, BackendError, Result, Store, StoreError};

/// How long a ceremony may take between its two requests.
pub const CEREMONY_TTL: Duration = Duration::minutes(5);
/// Longest name of a key, in characters.
pub const MAX_KEY_NAME: usize = 60;
/// Most keys one account may hold.
pub const MAX_KEYS: usize = 10;

const NAME: &str = "webauthn_credentials.name";
const CREDENTIAL: &str = "webauthn_credentials.credential";
const STATE: &str = "webauthn_ceremonies.state";

/// A key as its owner sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyInfo {
    pub id: Id,
    pub name: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub last_used_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// A key as a login needs it: webauthn-rs's JSON and the counter last seen.
#[derive(Debug, Clone)]
pub struct StoredKey {
    pub id: Id,
    pub credential: String,
    pub sign_count: i64,
}

/// What a verified assertion carries to [`Store::finish_key_login`].
#[derive(Debug, Clone)]
pub struct Assertion {
    /// The raw credential id the authenticator signed with.
    pub credential_id: Vec<u8>,
    /// The authenticator's signature counter.
    pub counter: u32,
    /// The credential's JSON with its counter brought up to date (None: unchanged).
    pub updated_credential: Option<String>,
}

fn cred_hash(id: &[u8]) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(id))
}

/// The ceremony key of a registration by `user_id`.
pub fn registration_key(user_id: Id) -> String {
    format!("register:{user_id}")
}

/// The ceremony key of the second step of a half-signed-in login.
pub fn login_key(challenge: &str) -> String {
    format!("login:{}", token_hash(challenge))
}

fn name_errors(key: &str) -> StoreError {
    let mut e = FieldErrors::default();
    e.add("name", key, None);
    e.into()
}

impl Store {
    /// The user's security keys, oldest first.
    pub async fn security_keys(&self, user_id: Id) -> Result<Vec<KeyInfo>> {
        let rows = self
            .db
            .query(
                "SELECT id, name, created_at, last_used_at FROM webauthn_credentials WHERE user_id = $1 ORDER BY id",
                &[user_id.into()],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(KeyInfo {
                    id: r.int(0),
                    name: self.unseal(NAME, r.text(1))?,
                    created_at: parse_time(&r.text(2)),
                    last_used_at: r.opt_text(3).map(|t| parse_time(&t)),
                })
            })
            .collect()
    }

    /// The user's keys as webauthn-rs needs them.
    pub async fn stored_keys(&self, user_id: Id) -> Result<Vec<StoredKey>> {
        let rows = self
            .db
            .query(
                "SELECT id, credential, sign_count FROM webauthn_credentials WHERE user_id = $1 ORDER BY id",
                &[user_id.into()],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(StoredKey {
                    id: r.int(0),
                    credential: self.unseal(CREDENTIAL, r.text(1))?,
                    sign_count: r.int(2),
                })
            })
            .collect()
    }

    /// Keep the server's half of a ceremony (replacing one under the same key).
    /// Ceremonies past [`CEREMONY_TTL`] are swept on the way.
    pub async fn save_ceremony(&self, key: &str, user_id: Id, state: &str) -> Result<()> {
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        tx.execute(
            "DELETE FROM webauthn_ceremonies WHERE ceremony_key = $1 OR created_at < $2",
            &[key.into(), time_text(now - CEREMONY_TTL).into()],
        )
        .await?;
        tx.execute(
            "INSERT INTO webauthn_ceremonies (ceremony_key, user_id, state, created_at) VALUES ($1, $2, $3, $4)",
            &[
                key.into(),
                user_id.into(),
                self.seal(STATE, state).into(),
                time_text(now).into(),
            ],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Take (and so end) a ceremony of `user_id`: `None` if there is none, it is
    /// another user's, or it is too old. A second take of the same ceremony finds
    /// nothing.
    pub async fn take_ceremony(&self, key: &str, user_id: Id) -> Result<Option<Zeroizing<String>>> {
        let mut tx = self.db.begin().await?;
        let rows = tx
            .query(
                "DELETE FROM webauthn_ceremonies WHERE ceremony_key = $1 RETURNING user_id, state, created_at",
                &[key.into()],
            )
            .await?;
        tx.commit().await?;
        let Some(r) = rows.first() else {
            return Ok(None);
        };
        if r.int(0) != user_id || self.clock.now() - parse_time(&r.text(2)) > CEREMONY_TTL {
            return Ok(None);
        }
        Ok(Some(Zeroizing::new(self.unseal(STATE, r.text(1))?)))
    }

    /// Register a verified key under `name`. The first second factor of a user who
    /// has no TOTP also gets recovery codes, returned here once (else empty).
    pub async fn add_security_key(
        &self,
        user_id: Id,
        name: &str,
        credential_id: &[u8],
        credential: &str,
        audit: Option<AuditEntry>,
    ) -> Result<(Id, Vec<Zeroizing<String>>)> {
        let name = name.trim();
        if name.is_empty() {
            return Err(name_errors("err-key-name-empty"));
        }
        if name.chars().count() > MAX_KEY_NAME || name.chars().any(char::is_control) {
            return Err(name_errors("err-key-name-long"));
        }
        let keys = self.security_keys(user_id).await?;
        if keys.len() >= MAX_KEYS {
            return Err(name_errors("err-key-too-many"));
        }
        if keys.iter().any(|k| k.name == name) {
            return Err(name_errors("err-key-name-taken"));
        }
        let had_factor = self.has_two_factor(user_id).await?;
        let mut tx = self.db.begin().await?;
        let rows = tx
            .query(
                "INSERT INTO webauthn_credentials (user_id, name, cred_hash, credential, sign_count, created_at) VALUES ($1, $2, $3, $4, 0, $5) RETURNING id",
                &[
                    user_id.into(),
                    self.seal(NAME, name).into(),
                    cred_hash(credential_id).into(),
                    self.seal(CREDENTIAL, credential).into(),
                    self.now_text().into(),
                ],
            )
            .await
            .map_err(|e| match e {
                BackendError::Unique => name_errors("err-key-registered"),
                other => other.into(),
            })?;
        let id = rows.first().map(|r| r.int(0)).ok_or(StoreError::NotFound)?;
        let codes = if had_factor {
            Vec::new()
        } else {
            self.replace_recovery_codes_in(&mut tx, user_id).await?
        };
        let audit = audit.map(|e| e.with("method", "webauthn").with("key_id", id));
        self.audit_opt_in(&mut tx, audit, user_id).await?;
        tx.commit().await?;
        self.sessions.invalidate();
        Ok((id, codes))
    }

    /// Remove one of the user's keys, given their password. Refused (forbidden) when
    /// it is the user's last second factor and their role requires one.
    pub async fn remove_security_key(
        &self,
        user_id: Id,
        key_id: Id,
        password: Zeroizing<String>,
        audit: Option<AuditEntry>,
    ) -> Result<()> {
        let user = self.user(user_id).await?;
        let keys = self.security_keys(user_id).await?;
        if !keys.iter().any(|k| k.id == key_id) {
            return Err(StoreError::NotFound);
        }
        if !self.check_own_password(&user, password).await? {
            return Err(super::password_errors(
                "current_password",
                "err-password-current",
            ));
        }
        let totp = self.two_factor(user_id).await?.is_some();
        if !totp && keys.len() == 1 && self.policy.requires_two_factor(user.role) {
            return Err(StoreError::Forbidden);
        }
        let mut tx = self.db.begin().await?;
        tx.execute(
            "DELETE FROM webauthn_credentials WHERE id = $1 AND user_id = $2",
            &[key_id.into(), user_id.into()],
        )
        .await?;
        if !totp && keys.len() == 1 {
            // The last factor gone: its recovery codes go with it.
            tx.execute(
                "DELETE FROM recovery_codes WHERE user_id = $1",
                &[user_id.into()],
            )
            .await?;
        }
        let audit = audit.map(|e| e.with("method", "webauthn").with("key_id", key_id));
        self.audit_opt_in(&mut tx, audit, user_id).await?;
        tx.commit().await?;
        self.sessions.invalidate();
        Ok(())
    }

    /// The second step of a login by security key, once webauthn-rs has verified the
    /// assertion (`Some`) or refused it (`None`). The key must be one of this user's,
    /// and its counter must have grown (a clone would replay an older one).
    pub async fn finish_key_login(
        &self,
        challenge: &str,
        assertion: Option<Assertion>,
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
        let mut refusal = "signature";
        let mut matched: Option<(Id, Assertion)> = None;
        if let Some(a) = assertion {
            let rows = self
                .db
                .query(
                    "SELECT id, sign_count FROM webauthn_credentials WHERE user_id = $1 AND cred_hash = $2",
                    &[user.id.into(), cred_hash(&a.credential_id).into()],
                )
                .await?;
            match rows.first() {
                None => refusal = "unknown_key",
                Some(r) => {
                    let stored = r.int(1);
                    let counter = i64::from(a.counter);
                    if (counter != 0 || stored != 0) && counter <= stored {
                        refusal = "counter";
                    } else {
                        matched = Some((r.int(0), a));
                    }
                }
            }
        }
        let ok = matched.is_some();
        let mut entry = AuditEntry::new(
            if ok {
                Action::SecondFactor
            } else {
                Action::SecondFactorFailed
            },
            "user",
        )
        .by(&Actor::from(&user))
        .id(user.id)
        .with("method", "webauthn")
        .ip(from.map(|a| a.to_string()).as_deref());
        if !ok {
            entry = entry.with("reason", refusal);
        }
        let mut tx = self.db.begin().await?;
        if let Some((key_id, a)) = &matched {
            let credential = a
                .updated_credential
                .as_deref()
                .map(|c| self.seal(CREDENTIAL, c));
            tx.execute(
                "UPDATE webauthn_credentials SET sign_count = $1, last_used_at = $2, credential = COALESCE($3, credential) WHERE id = $4",
                &[
                    i64::from(a.counter).into(),
                    self.now_text().into(),
                    credential.into(),
                    (*key_id).into(),
                ],
            )
            .await?;
        }
        let entry = match &matched {
            Some((key_id, _)) => entry.with("key_id", *key_id),
            None => entry,
        };
        self.audit_in(&mut tx, &entry).await?;
        tx.commit().await?;
        if !ok {
            tracing::debug!(user = user.id, reason = refusal, "security key refused");
        }
        self.settle_second_factor(ok, user, attempts, &h, &account, address.as_deref())
            .await
    }
}

impl Access {
    pub async fn own_security_keys(&self) -> Result<Vec<KeyInfo>> {
        self.store().security_keys(self.actor().user_id).await
    }

    pub async fn own_stored_keys(&self) -> Result<Vec<StoredKey>> {
        self.store().stored_keys(self.actor().user_id).await
    }

    pub async fn add_own_security_key(
        &self,
        name: &str,
        credential_id: &[u8],
        credential: &str,
    ) -> Result<Vec<Zeroizing<String>>> {
        let entry = self.own_entry(Action::TwoFactorEnrol);
        let (_, codes) = self
            .store()
            .add_security_key(self.actor().user_id, name, credential_id, credential, entry)
            .await?;
        Ok(codes)
    }

    pub async fn remove_own_security_key(
        &self,
        key_id: Id,
        password: Zeroizing<String>,
    ) -> Result<()> {
        let entry = self.own_entry(Action::TwoFactorDisable);
        self.store()
            .remove_security_key(self.actor().user_id, key_id, password, entry)
            .await
    }
}
