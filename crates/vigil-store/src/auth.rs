//! Accounts, passwords (Argon2id), sessions and API tokens. Secrets are stored only
//! as hashes; a token is shown once, at creation. Password hashing runs off the async
//! threads and at most [`MAX_CONCURRENT_HASHES`] at a time, so a burst of logins
//! cannot exhaust memory.

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use serde::Serialize;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use vigil_domain::model::Id;
use vigil_domain::validate::FieldErrors;
use vigil_domain::Role;

use crate::backend::{Row, Val};
use crate::{parse_time, Result, Store, StoreError};

pub const MAX_CONCURRENT_HASHES: usize = 4;
pub const MIN_PASSWORD_LEN: usize = 12;
/// A session ends after this long without use…
pub const SESSION_IDLE: Duration = Duration::hours(8);
/// …and after this long in any case.
pub const SESSION_ABSOLUTE: Duration = Duration::days(7);

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

const USER_COLS: &str = "id, username, role, display_name, language, disabled, created_at";

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

/// Check a new password against the policy. Returns the message key of the problem.
pub fn password_problem(username: &str, password: &str) -> Option<&'static str> {
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Some("err-password-short");
    }
    if password.eq_ignore_ascii_case(username) {
        return Some("err-password-username");
    }
    None
}

fn valid_username(u: &str) -> bool {
    (2..=64).contains(&u.len())
        && u.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
}

impl Store {
    async fn hash_password(&self, password: Zeroizing<String>) -> Result<String> {
        let _permit = self
            .hash_limit
            .acquire()
            .await
            .map_err(|_| StoreError::Forbidden)?;
        tokio::task::spawn_blocking(move || {
            let salt = SaltString::generate(&mut OsRng);
            Argon2::default()
                .hash_password(password.as_bytes(), &salt)
                .map(|h| h.to_string())
        })
        .await
        .map_err(|e| StoreError::Backend(crate::BackendError::Db(e.to_string())))?
        .map_err(|e| StoreError::Backend(crate::BackendError::Db(e.to_string())))
    }

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

    pub async fn create_user(&self, new: NewUser) -> Result<User> {
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
        tx.commit().await?;
        let id = rows.first().map(|r| r.int(0)).ok_or(StoreError::NotFound)?;
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
    pub async fn set_user_disabled(&self, id: Id, disabled: bool) -> Result<()> {
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
                "UPDATE api_tokens SET revoked = $1 WHERE user_id = $2",
                &[true.into(), id.into()],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn set_user_role(&self, id: Id, role: Role) -> Result<()> {
        let mut tx = self.db.begin().await?;
        let n = tx
            .execute(
                "UPDATE users SET role = $1 WHERE id = $2",
                &[role.code().into(), id.into()],
            )
            .await?;
        tx.commit().await?;
        if n == 0 {
            Err(StoreError::NotFound)
        } else {
            Ok(())
        }
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
        Ok(())
    }

    /// Set a new password (policy checked) and end the user's other sessions.
    pub async fn reset_password(&self, id: Id, password: Zeroizing<String>) -> Result<()> {
        let user = self.user(id).await?;
        if let Some(p) = password_problem(&user.username, &password) {
            let mut e = FieldErrors::default();
            e.add("password", p, Some(MIN_PASSWORD_LEN.to_string()));
            return Err(e.into());
        }
        let hash = self.hash_password(password).await?;
        let mut tx = self.db.begin().await?;
        tx.execute(
            "UPDATE users SET password_hash = $1 WHERE id = $2",
            &[hash.into(), id.into()],
        )
        .await?;
        tx.execute("DELETE FROM sessions WHERE user_id = $1", &[id.into()])
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Check a username and password. Unknown users cost the same hash as known ones,
    /// and disabled accounts fail like wrong passwords.
    pub async fn verify_login(
        &self,
        username: &str,
        password: Zeroizing<String>,
    ) -> Result<Option<User>> {
        let rows = self
            .db
            .query(
                &format!("SELECT {USER_COLS}, password_hash FROM users WHERE username = $1"),
                &[username.trim().to_lowercase().into()],
            )
            .await?;
        match rows.first() {
            Some(r) => {
                let user = user_from(r);
                let ok = self.verify_hash(r.text(7), password).await;
                Ok((ok && !user.disabled).then_some(user))
            }
            None => {
                // Spend the same effort as a real check.
                let _ = self.hash_password(password).await;
                Ok(None)
            }
        }
    }

    /// Start a session; returns the secret cookie value.
    pub async fn create_session(&self, user_id: Id) -> Result<String> {
        let token = random_token();
        let now = self.now_text();
        let mut tx = self.db.begin().await?;
        tx.execute(
            "INSERT INTO sessions (token_hash, user_id, csrf, created_at, last_seen) VALUES ($1, $2, $3, $4, $4)",
            &[token_hash(&token).into(), user_id.into(), random_token().into(), now.into()],
        )
        .await?;
        tx.commit().await?;
        Ok(token)
    }

    /// The session for a cookie value, if it is live. Refreshes its idle timer.
    pub async fn session(&self, token: &str) -> Result<Option<Session>> {
        let h = token_hash(token);
        let rows = self
            .db
            .query(
                "SELECT u.id, u.username, u.role, u.display_name, u.language, u.disabled, u.created_at,
                        s.csrf, s.created_at, s.last_seen
                 FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1",
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
        if user.disabled || now - created > SESSION_ABSOLUTE || now - last_seen > SESSION_IDLE {
            let mut tx = self.db.begin().await?;
            tx.execute("DELETE FROM sessions WHERE token_hash = $1", &[h.into()])
                .await?;
            tx.commit().await?;
            return Ok(None);
        }
        if now - last_seen > Duration::minutes(1) {
            let mut tx = self.db.begin().await?;
            tx.execute(
                "UPDATE sessions SET last_seen = $1 WHERE token_hash = $2",
                &[self.now_text().into(), h.into()],
            )
            .await?;
            tx.commit().await?;
        }
        Ok(Some(Session {
            user,
            csrf: r.text(7),
        }))
    }

    pub async fn delete_session(&self, token: &str) -> Result<()> {
        let mut tx = self.db.begin().await?;
        tx.execute(
            "DELETE FROM sessions WHERE token_hash = $1",
            &[token_hash(token).into()],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Create an API token for a user; the secret is returned once and stored hashed.
    pub async fn create_api_token(&self, user_id: Id, name: &str) -> Result<(ApiToken, String)> {
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
        tx.commit().await?;
        let id = rows.first().map(|r| r.int(0)).ok_or(StoreError::NotFound)?;
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

    pub async fn revoke_api_token(&self, user_id: Id, token_id: Id) -> Result<()> {
        let mut tx = self.db.begin().await?;
        let n = tx
            .execute(
                "UPDATE api_tokens SET revoked = $1 WHERE id = $2 AND user_id = $3",
                &[true.into(), token_id.into(), user_id.into()],
            )
            .await?;
        tx.commit().await?;
        if n == 0 {
            Err(StoreError::NotFound)
        } else {
            Ok(())
        }
    }

    /// The user behind a bearer token, if the token is live.
    pub async fn token_user(&self, secret: &str) -> Result<Option<User>> {
        let h = token_hash(secret);
        let rows = self
            .db
            .query(
                "SELECT u.id, u.username, u.role, u.display_name, u.language, u.disabled, u.created_at, t.token_hash, t.id
                 FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1 AND t.revoked = $2",
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
