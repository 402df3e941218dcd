//! Application-level encryption of sensitive fields, for PostgreSQL (threat 1 of
//! DESIGN.md §3: a `pg_dump` taken without the key reveals no name, contact,
//! narrative, location or file content).
//!
//! Each value is sealed with XChaCha20-Poly1305 under the field key, a random 24-byte
//! nonce per value, and the table and column as associated data, so that a value
//! cannot be moved to another column (or a name swapped into a narrative) without
//! failing to open. The stored text is `v1:<key id>:<base64(nonce | ciphertext)>`;
//! the key id is a short fingerprint of the key, so a future rotation can tell
//! values sealed under the old and the new key apart.
//!
//! Search cannot read ciphertext, so sensitive words are indexed as a *blind index*:
//! each folded word becomes a keyed HMAC (under a subkey of the field key), truncated
//! to 16 hex characters. A query word matches only the same whole word: no prefix
//! matching on sensitive text in PostgreSQL.
//!
//! On SQLite the whole file is encrypted by SQLCipher, so the store has no field
//! cipher there and values are stored as they are (no double encryption).

use base64::Engine as _;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use rand::RngCore as _;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// The version tag of the sealed format.
const VERSION: &str = "v1";
const NONCE_LEN: usize = 24;
/// Hex characters kept of a blind-index HMAC (64 bits: collisions only add false
/// positives to a search, which the authorisation filter still limits).
pub const BLIND_LEN: usize = 16;
/// The plain text sealed in the `key_check` table to detect a wrong key.
pub(crate) const CHECK_PLAIN: &str = "vigil field key check";
/// The associated data of the check value.
pub(crate) const CHECK_COLUMN: &str = "key_check.check_value";

/// Why a sealed value could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum CipherError {
    #[error("a stored value is not in the sealed format")]
    Format,
    #[error("a stored value was sealed under another key (key id {0})")]
    OtherKey(String),
    #[error("a stored value fails authentication (wrong key, or tampered with)")]
    Auth,
}

/// The field key, with its blind-index subkey and fingerprint.
pub struct FieldCipher {
    aead: XChaCha20Poly1305,
    index_key: Zeroizing<[u8; 32]>,
    key_id: String,
}

impl std::fmt::Debug for FieldCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FieldCipher")
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

fn hmac(key: &[u8], data: &[u8]) -> Zeroizing<[u8; 32]> {
    let mut out = Zeroizing::new([0u8; 32]);
    if let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(key) {
        mac.update(data);
        out.copy_from_slice(&mac.finalize().into_bytes());
    }
    out
}

impl FieldCipher {
    pub fn new(key: &[u8; 32]) -> FieldCipher {
        let enc_key = hmac(key, b"vigil field encryption v1");
        let index_key = hmac(key, b"vigil blind index v1");
        let mut h = Sha256::new();
        h.update(b"vigil field key id v1");
        h.update(key);
        let key_id = hex::encode(h.finalize().get(..4).unwrap_or_default());
        FieldCipher {
            aead: XChaCha20Poly1305::new(enc_key.as_ref().into()),
            index_key,
            key_id,
        }
    }

    /// The key's fingerprint (8 hex characters), stored with every value.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// Seal `plain` for `column` (`"table.column"`).
    pub fn seal(&self, column: &str, plain: &str) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let ct = self
            .aead
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plain.as_bytes(),
                    aad: column.as_bytes(),
                },
            )
            // Encryption fails only for messages of more than 256 GiB.
            .unwrap_or_default();
        let mut buf = Vec::with_capacity(NONCE_LEN + ct.len());
        buf.extend_from_slice(&nonce);
        buf.extend_from_slice(&ct);
        format!(
            "{VERSION}:{}:{}",
            self.key_id,
            base64::engine::general_purpose::STANDARD.encode(buf)
        )
    }

    /// Open a value sealed for `column`.
    pub fn open(&self, column: &str, sealed: &str) -> Result<String, CipherError> {
        let mut parts = sealed.splitn(3, ':');
        let (Some(VERSION), Some(id), Some(body)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(CipherError::Format);
        };
        if id != self.key_id {
            return Err(CipherError::OtherKey(id.to_owned()));
        }
        let buf = base64::engine::general_purpose::STANDARD
            .decode(body)
            .map_err(|_| CipherError::Format)?;
        if buf.len() < NONCE_LEN {
            return Err(CipherError::Format);
        }
        let (nonce, ct) = buf.split_at(NONCE_LEN);
        let plain = self
            .aead
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ct,
                    aad: column.as_bytes(),
                },
            )
            .map_err(|_| CipherError::Auth)?;
        String::from_utf8(plain).map_err(|_| CipherError::Format)
    }

    /// The blind-index token of one folded word.
    pub fn blind(&self, word: &str) -> String {
        let mac = hmac(self.index_key.as_ref(), word.as_bytes());
        let mut s = hex::encode(mac.as_ref());
        s.truncate(BLIND_LEN);
        s
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn values_round_trip_and_are_bound_to_key_and_column() {
        let c = FieldCipher::new(&[7u8; 32]);
        let s = c.seal("persons.legal_name", "Ana María");
        assert!(s.starts_with(&format!("v1:{}:", c.key_id())));
        assert!(!s.contains("Ana"));
        assert_eq!(c.open("persons.legal_name", &s).unwrap(), "Ana María");
        assert!(matches!(
            c.open("persons.contacts", &s),
            Err(CipherError::Auth)
        ));
        assert_ne!(s, c.seal("persons.legal_name", "Ana María"), "fresh nonce");
        let other = FieldCipher::new(&[8u8; 32]);
        assert_ne!(other.key_id(), c.key_id());
        assert!(matches!(
            other.open("persons.legal_name", &s),
            Err(CipherError::OtherKey(_))
        ));
        assert!(matches!(c.open("x", "Ana"), Err(CipherError::Format)));
        assert_eq!(c.blind("ana").len(), BLIND_LEN);
        assert_eq!(c.blind("ana"), c.blind("ana"));
        assert_ne!(c.blind("ana"), other.blind("ana"));
    }
}
