//! Evidence files attached to incidents: the encrypted file store ([`EvidenceFiles`]),
//! the type check by magic bytes, and the operations on [`Access`] that upload, list
//! and download files, each recorded in the chain of custody and the audit log.
//! A file's bytes must never be written in clear, never served without its SHA-256
//! matching the one computed on arrival, and never reach a role that may not see them.
//!
//! **On disk.** Each file is encrypted with XChaCha20-Poly1305 under its own key,
//! HMAC-SHA256(evidence key, "file" ‖ SHA-256 of the plaintext), with a random nonce;
//! the evidence key is a subkey of the master key. Files are content-addressed: the name
//! is derived from the plaintext's SHA-256, keyed (HMAC with the evidence key) so that
//! someone holding the directory cannot confirm that a known file is in it by hashing
//! it. The name is authenticated with the ciphertext, so files cannot be swapped.
//! Layout: `DIR/ab/cdef…` (first two hex digits, then the rest).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use vigil_domain::model::Id;
use vigil_domain::validate::FieldErrors;
use vigil_domain::Permission;

use crate::audit::{Action, AuditEntry};
use crate::backend::{BackendError, Row, Val};
use crate::{Access, Result, Store, StoreError};

/// The label of the evidence subkey of the master key.
pub const EVIDENCE_LABEL: &str = "vigil evidence v1";
/// Largest file accepted unless configured otherwise: 25 MB.
pub const DEFAULT_MAX_SIZE: usize = 25 * 1024 * 1024;
/// The directory under the data directory where files are kept.
pub const DIR_NAME: &str = "evidence";
/// Longest original filename and capture text kept.
const MAX_TEXT: usize = 500;
/// First bytes of every stored file (format version).
const MAGIC: &[u8; 8] = b"VIGILEV1";
const NONCE_LEN: usize = 24;

/// Where evidence files are kept and the key that encrypts them.
pub struct EvidenceFiles {
    dir: PathBuf,
    key: Zeroizing<[u8; 32]>,
    max_size: usize,
}

impl std::fmt::Debug for EvidenceFiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EvidenceFiles")
            .field("dir", &self.dir)
            .field("key", &"***")
            .field("max_size", &self.max_size)
            .finish()
    }
}

impl EvidenceFiles {
    /// Files in `dir` (created on first upload), encrypted under `key` (the evidence
    /// subkey of the master key), each at most `max_size` bytes.
    pub fn new(dir: PathBuf, key: Zeroizing<[u8; 32]>, max_size: usize) -> Self {
        Self { dir, key, max_size }
    }

    /// The same key with another directory and/or size limit.
    pub fn reconfigured(&self, dir: Option<PathBuf>, max_size: usize) -> Self {
        Self {
            dir: dir.unwrap_or_else(|| self.dir.clone()),
            key: self.key.clone(),
            max_size,
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn max_size(&self) -> usize {
        self.max_size
    }

    fn mac(&self, purpose: &[u8], sha256: &str) -> Zeroizing<[u8; 32]> {
        let mut out = Zeroizing::new([0u8; 32]);
        if let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(self.key.as_ref()) {
            mac.update(purpose);
            mac.update(sha256.as_bytes());
            out.copy_from_slice(&mac.finalize().into_bytes());
        }
        out
    }

    /// The file name of a plaintext with this SHA-256 (hex).
    fn address(&self, sha256: &str) -> String {
        hex::encode(self.mac(b"name", sha256).as_ref())
    }

    /// Where the file of a plaintext with this SHA-256 lives.
    pub fn path_of(&self, sha256: &str) -> PathBuf {
        let name = self.address(sha256);
        let (head, rest) = name.split_at(2);
        self.dir.join(head).join(rest)
    }

    fn cipher(&self, sha256: &str) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(self.mac(b"file", sha256).as_ref().into())
    }

    /// Encrypt and write; a file already there (the same content) is kept.
    pub(crate) fn write(&self, sha256: &str, plain: &[u8]) -> std::io::Result<()> {
        let path = self.path_of(sha256);
        if path.exists() {
            return Ok(());
        }
        let nonce: [u8; NONCE_LEN] = rand::random();
        let aad = self.address(sha256);
        let sealed = self
            .cipher(sha256)
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plain,
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| std::io::Error::other("encryption failed"))?;
        let parent = path
            .parent()
            .ok_or_else(|| std::io::Error::other("evidence path without a directory"))?;
        create_private_dir(parent)?;
        let tmp = parent.join(format!(".tmp-{}", hex::encode(rand::random::<[u8; 8]>())));
        {
            use std::io::Write as _;
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(MAGIC)?;
            f.write_all(&nonce)?;
            f.write_all(&sealed)?;
            f.sync_all()?;
        }
        std::fs::rename(&tmp, &path)
    }

    /// Read and decrypt, then check the plaintext against `sha256`. `Err` with a reason
    /// when the file is missing, altered or does not match.
    pub(crate) fn read(&self, sha256: &str) -> std::result::Result<Vec<u8>, &'static str> {
        let path = self.path_of(sha256);
        let bytes = std::fs::read(&path).map_err(|_| "the stored file cannot be read")?;
        let (magic, rest) = bytes
            .split_at_checked(MAGIC.len())
            .ok_or("the stored file is truncated")?;
        if magic != MAGIC {
            return Err("the stored file is not a Vigil evidence file");
        }
        let (nonce, sealed) = rest
            .split_at_checked(NONCE_LEN)
            .ok_or("the stored file is truncated")?;
        let aad = self.address(sha256);
        let plain = self
            .cipher(sha256)
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| "the stored file fails authentication (altered or corrupted)")?;
        if hex::encode(Sha256::digest(&plain)) != sha256 {
            return Err("the stored file does not match its SHA-256");
        }
        Ok(plain)
    }
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
    }
    Ok(())
}

/// The media types accepted, each recognised by its first bytes.
pub const ALLOWED_TYPES: [&str; 12] = [
    "application/pdf",
    "image/jpeg",
    "image/png",
    "image/webp",
    "video/mp4",
    "audio/mpeg",
    "audio/ogg",
    "audio/wav",
    "text/plain",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/zip",
];

/// The media type of `bytes` by magic number, if it is one Vigil accepts.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    let at = |off: usize, magic: &[u8]| bytes.get(off..off + magic.len()) == Some(magic);
    if at(0, b"%PDF-") {
        Some("application/pdf")
    } else if at(0, &[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if at(0, &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some("image/png")
    } else if at(0, b"RIFF") && at(8, b"WEBP") {
        Some("image/webp")
    } else if at(0, b"RIFF") && at(8, b"WAVE") {
        Some("audio/wav")
    } else if at(4, b"ftyp") {
        Some("video/mp4")
    } else if at(0, b"ID3")
        || (bytes.first() == Some(&0xFF) && bytes.get(1).is_some_and(|b| b & 0xE0 == 0xE0))
    {
        Some("audio/mpeg")
    } else if at(0, b"OggS") {
        Some("audio/ogg")
    } else if at(0, b"PK\x03\x04") {
        // ODT stores its media type uncompressed as the first entry; DOCX names `word/`.
        if at(30, b"mimetypeapplication/vnd.oasis.opendocument.text") {
            Some("application/vnd.oasis.opendocument.text")
        } else if contains(bytes, b"word/") {
            Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document")
        } else {
            None
        }
    } else if is_plain_text(bytes) {
        Some("text/plain")
    } else {
        None
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// UTF-8 without control characters other than tab, newlines and form feed.
fn is_plain_text(bytes: &[u8]) -> bool {
    std::str::from_utf8(bytes).is_ok_and(|s| {
        s.chars()
            .all(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r' | '\u{c}'))
    })
}

/// Declared types that say nothing (browsers send them for unknown files).
fn is_generic(declared: &str) -> bool {
    declared.is_empty() || declared == "application/octet-stream"
}

/// A media type as declared, lower case and without parameters.
fn normalise_type(declared: &str) -> String {
    let t = declared
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    match t.as_str() {
        "audio/mp3" => "audio/mpeg".to_owned(),
        "audio/x-wav" | "audio/wave" | "audio/vnd.wave" => "audio/wav".to_owned(),
        "image/jpg" | "image/pjpeg" => "image/jpeg".to_owned(),
        "audio/mp4" => "video/mp4".to_owned(),
        "application/ogg" | "video/ogg" => "audio/ogg".to_owned(),
        _ => t,
    }
}

/// A file as it arrives.
#[derive(Debug, Clone, Default)]
pub struct NewEvidence {
    pub filename: String,
    /// The media type the client declared (may be empty).
    pub declared_type: String,
    pub captured_at: Option<String>,
    pub captured_by: Option<String>,
    pub capture_notes: Option<String>,
    pub bytes: Vec<u8>,
}

/// An evidence file as a role sees it. For roles without sensitive access, the
/// filename, capture details, uploader and hash are `None`: they see that a file exists,
/// its size and its type.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvidenceItem {
    pub id: Id,
    pub incident_id: Id,
    pub size: i64,
    pub media_type: String,
    pub uploaded_at: String,
    pub sha256: Option<String>,
    pub filename: Option<String>,
    pub captured_at: Option<String>,
    pub captured_by: Option<String>,
    pub capture_notes: Option<String>,
    pub uploaded_by: Option<String>,
}

impl EvidenceItem {
    fn redact(&mut self) {
        self.sha256 = None;
        self.filename = None;
        self.captured_at = None;
        self.captured_by = None;
        self.capture_notes = None;
        self.uploaded_by = None;
    }

    /// A filename safe for a `Content-Disposition` header: ASCII letters, digits,
    /// `.`, `-` and `_` only, never empty, never starting with a dot.
    pub fn safe_filename(&self) -> String {
        let raw = self.filename.as_deref().unwrap_or_default();
        let mut s: String = raw
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                    c
                } else {
                    '_'
                }
            })
            .take(100)
            .collect();
        while s.starts_with('.') {
            s.remove(0);
        }
        if s.trim_matches('_').is_empty() {
            s = format!("evidence-{}", self.id);
        }
        s
    }
}

/// One line of a file's chain of custody.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CustodyEntry {
    pub action: String,
    pub username: String,
    pub at: String,
}

const ITEM_COLUMNS: &str =
    "e.id, e.incident_id, e.size, e.media_type, e.uploaded_at, e.sha256, e.filename, \
     e.captured_at, e.captured_by, e.capture_notes, u.username";

// Sealed on PostgreSQL (see `cipher.rs`): what a file is called and who captured it.
const FILENAME: &str = "evidence.filename";
const CAPTURED_BY: &str = "evidence.captured_by";
const CAPTURE_NOTES: &str = "evidence.capture_notes";

fn item_from(s: &Store, r: &Row) -> Result<EvidenceItem> {
    Ok(EvidenceItem {
        id: r.int(0),
        incident_id: r.int(1),
        size: r.int(2),
        media_type: r.text(3),
        uploaded_at: r.text(4),
        sha256: r.opt_text(5),
        filename: s.unseal_opt(FILENAME, r.opt_text(6))?,
        captured_at: r.opt_text(7),
        captured_by: s.unseal_opt(CAPTURED_BY, r.opt_text(8))?,
        capture_notes: s.unseal_opt(CAPTURE_NOTES, r.opt_text(9))?,
        uploaded_by: r.opt_text(10),
    })
}

fn clip(s: Option<&str>) -> Option<String> {
    s.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.chars().take(MAX_TEXT).collect())
}

fn refuse(field: &str, key: &str, arg: Option<String>) -> StoreError {
    let mut e = FieldErrors::default();
    e.add(field, key, arg);
    StoreError::Invalid(e)
}

/// A size for people: `512 bytes`, `40 KB`, `25 MB` (binary units).
pub fn human_size(n: i64) -> String {
    const K: i64 = 1024;
    if n < K {
        format!("{n} bytes")
    } else if n < K * K {
        format!("{} KB", (n + K / 2) / K)
    } else {
        format!("{:.1} MB", n as f64 / (K * K) as f64).replace(".0 MB", " MB")
    }
}

/// Check size and type; the media type to record.
fn check(files: &EvidenceFiles, new: &NewEvidence) -> Result<&'static str> {
    if new.bytes.is_empty() {
        return Err(refuse("file", "evidence-empty", None));
    }
    if new.bytes.len() > files.max_size {
        return Err(refuse(
            "file",
            "evidence-too-large",
            Some(human_size(
                i64::try_from(files.max_size).unwrap_or(i64::MAX),
            )),
        ));
    }
    accepted_type(&new.declared_type, &new.bytes)
}

/// The media type to record for `bytes` uploaded as `declared`: found by content, and
/// refused when unknown or when a specific declared type disagrees. Public as an entry
/// point for fuzzing (`fuzz/`); uploads go through the same function.
pub fn accepted_type(declared: &str, bytes: &[u8]) -> Result<&'static str> {
    let Some(found) = sniff(bytes) else {
        return Err(refuse("file", "evidence-type-unknown", None));
    };
    let declared = normalise_type(declared);
    let zip_office = found.starts_with("application/vnd.") && declared == "application/zip";
    if !is_generic(&declared) && declared != found && !zip_office {
        return Err(refuse("file", "evidence-type-mismatch", Some(declared)));
    }
    Ok(found)
}

impl Store {
    /// Keep evidence files in `files` (without it, uploads are refused).
    pub fn with_evidence(mut self, files: EvidenceFiles) -> Store {
        self.evidence = Some(Arc::new(files));
        self
    }

    /// Where evidence files are kept, if configured.
    pub fn evidence_files(&self) -> Option<&EvidenceFiles> {
        self.evidence.as_deref()
    }

    /// The largest accepted evidence file (0 without an evidence store).
    pub fn evidence_max_size(&self) -> usize {
        self.evidence.as_ref().map_or(0, |f| f.max_size)
    }

    fn files(&self) -> Result<Arc<EvidenceFiles>> {
        self.evidence.clone().ok_or_else(|| {
            StoreError::Backend(BackendError::Config(
                "no evidence store is configured".to_owned(),
            ))
        })
    }

    async fn evidence_row(&self, id: Id) -> Result<EvidenceItem> {
        let rows = self
            .db
            .query(
                &format!(
                    "SELECT {ITEM_COLUMNS} FROM evidence e LEFT JOIN users u ON u.id = e.uploaded_by WHERE e.id = $1"
                ),
                &[id.into()],
            )
            .await?;
        item_from(self, rows.first().ok_or(StoreError::NotFound)?)
    }

    /// Every file's SHA-256 (for backups).
    pub async fn evidence_hashes(&self) -> Result<Vec<String>> {
        let rows = self
            .db
            .query("SELECT DISTINCT sha256 FROM evidence ORDER BY sha256", &[])
            .await?;
        Ok(rows.iter().map(|r| r.text(0)).collect())
    }
}

impl Access {
    fn require_evidence(&self, p: Permission) -> Result<()> {
        if self.can(p) {
            Ok(())
        } else {
            tracing::debug!(user = self.actor().user_id, permission = ?p, "evidence permission denied");
            Err(StoreError::Forbidden)
        }
    }

    /// The largest accepted file; 0 when no evidence store is configured.
    pub fn evidence_max_size(&self) -> usize {
        self.store().evidence_max_size()
    }

    fn custody_entry(&self, action: Action, evidence: Id) -> AuditEntry {
        AuditEntry::new(action, "evidence")
            .by(self.actor())
            .id(evidence)
    }

    /// Store a file for an incident: writers only. Size and type are checked before
    /// anything is written; the upload is in the custody trail and the audit log.
    pub async fn upload_evidence(&self, incident_id: Id, new: NewEvidence) -> Result<EvidenceItem> {
        self.require_evidence(Permission::Write)?;
        let store = self.store();
        let files = store.files()?;
        // The incident must exist and be visible to this actor.
        store.incident_title(incident_id).await?;
        let media_type = check(&files, &new)?;
        let sha256 = hex::encode(Sha256::digest(&new.bytes));
        let size = i64::try_from(new.bytes.len()).unwrap_or(i64::MAX);
        let filename = clip(Some(&new.filename)).unwrap_or_else(|| "evidence".to_owned());
        {
            let files = files.clone();
            let sha = sha256.clone();
            let bytes = new.bytes;
            tokio::task::spawn_blocking(move || files.write(&sha, &bytes))
                .await
                .map_err(|e| StoreError::Backend(BackendError::Db(e.to_string())))?
                .map_err(|e| {
                    tracing::error!(error = %e, "cannot write an evidence file");
                    StoreError::Backend(BackendError::Db(
                        "cannot write the evidence file".to_owned(),
                    ))
                })?;
        }
        let now = store.now_text();
        let uid = self.actor().user_id;
        let mut tx = store.db.begin().await?;
        let rows = tx
            .query(
                "INSERT INTO evidence (incident_id, sha256, size, media_type, filename, captured_at, \
                 captured_by, capture_notes, uploaded_by, uploaded_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
                &[
                    incident_id.into(),
                    sha256.clone().into(),
                    size.into(),
                    media_type.into(),
                    store.seal(FILENAME, &filename).into(),
                    clip(new.captured_at.as_deref()).into(),
                    store
                        .seal_opt(CAPTURED_BY, clip(new.captured_by.as_deref()).as_deref())
                        .into(),
                    store
                        .seal_opt(CAPTURE_NOTES, clip(new.capture_notes.as_deref()).as_deref())
                        .into(),
                    uid.into(),
                    now.clone().into(),
                ],
            )
            .await?;
        let id = rows.first().map(|r| r.int(0)).ok_or(StoreError::NotFound)?;
        custody(&mut tx, id, "upload", self, &now).await?;
        let entry = self
            .custody_entry(Action::EvidenceUpload, id)
            .with("incident", incident_id)
            .with("sha256", sha256)
            .with("size", size)
            .with("media_type", media_type);
        store.audit_in(&mut tx, &entry).await?;
        tx.commit().await?;
        store.evidence_row(id).await
    }

    /// An incident's files. Roles that see sensitive fields get the details, and the
    /// showing is recorded (custody "view" for each file, one audit entry); others
    /// see that the files exist, their size and type.
    pub async fn evidence_for_incident(&self, incident_id: Id) -> Result<Vec<EvidenceItem>> {
        self.require_evidence(Permission::Read)?;
        let store = self.store();
        // The incident must exist and be visible: checked in the same statement (no
        // row at all when it is not; one with an empty file when it has none).
        let rows = store
            .db
            .query(
                &format!(
                    "SELECT {ITEM_COLUMNS} FROM incidents i LEFT JOIN evidence e ON e.incident_id = i.id \
                     LEFT JOIN users u ON u.id = e.uploaded_by \
                     WHERE i.id = $1 AND {} ORDER BY e.id",
                    store.visible("i.compartment_id")
                ),
                &[incident_id.into()],
            )
            .await?;
        if rows.is_empty() {
            return Err(StoreError::NotFound);
        }
        let mut items: Vec<EvidenceItem> = rows
            .iter()
            .filter(|r| r.opt_int(0).is_some())
            .map(|r| item_from(store, r))
            .collect::<Result<_>>()?;
        if !self.sees_sensitive() {
            items.iter_mut().for_each(EvidenceItem::redact);
        } else if !items.is_empty() {
            let now = store.now_text();
            let mut tx = store.db.begin().await?;
            for i in &items {
                custody(&mut tx, i.id, "view", self, &now).await?;
            }
            let ids: Vec<Id> = items.iter().map(|i| i.id).collect();
            let entry = AuditEntry::new(Action::EvidenceView, "incident")
                .by(self.actor())
                .id(incident_id)
                .with("evidence", ids);
            store.audit_in(&mut tx, &entry).await?;
            tx.commit().await?;
        }
        Ok(items)
    }

    /// A file's bytes, for roles that see sensitive fields. The plaintext's SHA-256 is
    /// checked against the one recorded on arrival; a mismatch is logged and nothing is
    /// served. The download is recorded before the bytes are returned.
    pub async fn download_evidence(&self, id: Id) -> Result<(EvidenceItem, Vec<u8>)> {
        self.require_evidence(Permission::ReadSensitive)?;
        let store = self.store();
        let files = store.files()?;
        let item = store.evidence_row(id).await?;
        store.incident_title(item.incident_id).await?;
        let sha = item.sha256.clone().unwrap_or_default();
        let bytes = tokio::task::spawn_blocking(move || files.read(&sha))
            .await
            .map_err(|e| StoreError::Backend(BackendError::Db(e.to_string())))?
            .map_err(|why| {
                tracing::error!(
                    evidence = id,
                    reason = why,
                    "evidence file failed its integrity check; not served"
                );
                StoreError::Backend(BackendError::Db(
                    "evidence file failed its integrity check".to_owned(),
                ))
            })?;
        let now = store.now_text();
        let mut tx = store.db.begin().await?;
        custody(&mut tx, id, "download", self, &now).await?;
        let entry = self
            .custody_entry(Action::EvidenceDownload, id)
            .with("incident", item.incident_id)
            .with("sha256", item.sha256.clone().unwrap_or_default());
        store.audit_in(&mut tx, &entry).await?;
        tx.commit().await?;
        Ok((item, bytes))
    }

    /// A file's chain of custody, oldest first (roles that see sensitive fields).
    pub async fn evidence_custody(&self, id: Id) -> Result<Vec<CustodyEntry>> {
        self.require_evidence(Permission::ReadSensitive)?;
        let store = self.store();
        let item = store.evidence_row(id).await?;
        store.incident_title(item.incident_id).await?;
        let rows = store
            .db
            .query(
                "SELECT action, username, at FROM evidence_custody WHERE evidence_id = $1 ORDER BY id",
                &[id.into()],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| CustodyEntry {
                action: r.text(0),
                username: r.text(1),
                at: r.text(2),
            })
            .collect())
    }
}

async fn custody(
    tx: &mut Box<dyn crate::backend::Tx>,
    evidence: Id,
    action: &str,
    by: &Access,
    at: &str,
) -> Result<()> {
    tx.execute(
        "INSERT INTO evidence_custody (evidence_id, action, user_id, username, at) VALUES ($1, $2, $3, $4, $5)",
        &[
            evidence.into(),
            action.into(),
            by.actor().user_id.into(),
            Val::from(by.actor().username.as_str()),
            at.into(),
        ],
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_are_recognised_by_their_first_bytes() {
        assert_eq!(sniff(b"%PDF-1.7\n"), Some("application/pdf"));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(sniff(b"RIFF\0\0\0\0WAVEfmt "), Some("audio/wav"));
        assert_eq!(sniff(b"\0\0\0\x18ftypmp42"), Some("video/mp4"));
        assert_eq!(sniff(b"OggS\0"), Some("audio/ogg"));
        assert_eq!(sniff(b"ID3\x04"), Some("audio/mpeg"));
        assert_eq!(sniff("Testimonio, día 3\n".as_bytes()), Some("text/plain"));
        assert_eq!(sniff(b"MZ\x90\0\x03\0\0\0"), None);
        assert_eq!(sniff(b"<html>\0"), None);
        assert_eq!(sniff(b"PK\x03\x04 random zip"), None);
    }

    #[test]
    fn a_declared_type_must_match() {
        let files = EvidenceFiles::new(PathBuf::from("/nonexistent"), Zeroizing::new([7; 32]), 100);
        let mut new = NewEvidence {
            bytes: b"%PDF-1.4".to_vec(),
            declared_type: "image/png".to_owned(),
            ..NewEvidence::default()
        };
        assert!(check(&files, &new).is_err());
        new.declared_type = "application/pdf; charset=binary".to_owned();
        assert_eq!(check(&files, &new).ok(), Some("application/pdf"));
        new.declared_type = "application/octet-stream".to_owned();
        assert_eq!(check(&files, &new).ok(), Some("application/pdf"));
        new.bytes = vec![b'a'; 101];
        assert!(check(&files, &new).is_err());
    }

    #[test]
    fn files_round_trip_and_tampering_is_caught() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| unreachable!("{e}"));
        let files = EvidenceFiles::new(dir.path().to_path_buf(), Zeroizing::new([9; 32]), 1000);
        let plain = b"canary-evidence-7f3a";
        let sha = hex::encode(Sha256::digest(plain));
        assert!(files.write(&sha, plain).is_ok());
        assert_eq!(files.read(&sha).ok().as_deref(), Some(&plain[..]));
        let path = files.path_of(&sha);
        let mut raw = std::fs::read(&path).unwrap_or_default();
        assert!(!contains(&raw, plain));
        if let Some(b) = raw.last_mut() {
            *b ^= 1;
        }
        assert!(std::fs::write(&path, &raw).is_ok());
        assert!(files.read(&sha).is_err());
    }

    #[test]
    fn download_names_are_safe() {
        let mut item = EvidenceItem {
            id: 4,
            incident_id: 1,
            size: 1,
            media_type: "text/plain".to_owned(),
            uploaded_at: String::new(),
            sha256: None,
            filename: Some("../../etc/\"pass\r\nwd\".txt".to_owned()),
            captured_at: None,
            captured_by: None,
            capture_notes: None,
            uploaded_by: None,
        };
        assert_eq!(item.safe_filename(), "_.._etc__pass__wd_.txt");
        item.filename = Some("фото.jpg".to_owned());
        assert_eq!(item.safe_filename(), "____.jpg");
        item.filename = None;
        assert_eq!(item.safe_filename(), "evidence-4");
    }
}
