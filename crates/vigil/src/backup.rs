//! Encrypted, self-verifying backups: `vigil backup` writes one archive of the data
//! directory while the server keeps serving, re-reads it and checks it; `vigil restore`
//! checks every byte of an archive before it writes anything. An archive never holds a
//! byte of the database, a name or a key in clear, and a restore never leaves half a
//! data directory behind.
//!
//! # Archive format, version 1
//!
//! All integers are big-endian.
//!
//! ```text
//! header   "VIGILBAK"          8 bytes, magic
//!          format version      u16 = 1
//!          chunk size          u32, plaintext bytes per chunk (1 MiB by default)
//!          key check           16 bytes = HMAC-SHA256(backup key, "vigil backup key check v1")[..16]
//!          nonce prefix        16 random bytes, new for every archive
//!          salt length         u8 (0 when the data directory has no vigil.salt)
//!          salt                the passphrase salt, so a passphrase can open the archive
//! chunks   frame               u32: bit 31 = last chunk, bits 0-30 = ciphertext length
//!          ciphertext          XChaCha20-Poly1305(plaintext ≤ chunk size) ‖ 16-byte tag
//!                              nonce = nonce prefix ‖ chunk counter (u64, from 0)
//!                              associated data = the whole header ‖ last-chunk flag (1 byte)
//! ```
//!
//! The backup key is `keys::subkey(master, "vigil backup v1")`, never the master key. The
//! key check tells a wrong key from a damaged file without revealing anything about the
//! key. The header is authenticated by every chunk; the counter in the nonce detects
//! reordered or missing chunks; the last-chunk flag in the associated data detects a
//! file cut at a chunk boundary. A file ends right after its last chunk.
//!
//! The decrypted payload is: `u32` manifest length, the manifest (JSON: format, Vigil
//! version, creation time, engine, and for every entry its name, size and SHA-256), then
//! each entry's bytes in manifest order. Entries of an embedded instance (engine
//! `sqlite`) are `vigil.db` (a `VACUUM INTO` snapshot, itself SQLCipher-encrypted under
//! the database key) and `vigil.salt` when present. A PostgreSQL deployment (engine
//! `postgres`) has `postgres.dump` instead (see [`vigil_store::pgdump`] for its format),
//! and its manifest also records the schema version and every table with its row
//! count. Names are relative paths, and evidence files join as `evidence/ab/cdef…`,
//! as they lie in the evidence directory (already encrypted under the evidence subkey,
//! and encrypted again by the archive), so a restore puts them back where they were.
//!
//! An archive restores into the engine it came from: cross-engine restores are
//! refused.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{bail, Context};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use chrono::{DateTime, Utc};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use vigil_domain::{Clock as _, SystemClock};
use vigil_store::pgdump::{self, DumpParser, Summary};
use vigil_store::sqlite::SqliteBackend;
use vigil_store::{Backend as _, Store, StoreConfig};

use crate::keys::{self, Key, KeySource};

pub const MAGIC: &[u8; 8] = b"VIGILBAK";
pub const FORMAT_VERSION: u16 = 1;
/// Plaintext bytes per chunk.
pub const DEFAULT_CHUNK_SIZE: u32 = 1 << 20;
/// The label of the backup subkey.
pub const BACKUP_LABEL: &str = "vigil backup v1";
/// The database entry of an embedded (SQLite) instance.
pub const DB_ENTRY: &str = "vigil.db";
/// The database entry of a PostgreSQL deployment.
pub const PG_DUMP_ENTRY: &str = pgdump::ENTRY;
pub const ENGINE_SQLITE: &str = "sqlite";
pub const ENGINE_POSTGRES: &str = "postgres";

const CHECK_LABEL: &str = "vigil backup key check v1";
const MIN_CHUNK_SIZE: u32 = 16;
const MAX_CHUNK_SIZE: u32 = 16 << 20;
const TAG_LEN: usize = 16;
const MAX_SALT_LEN: usize = 64;
const MAX_MANIFEST_LEN: u32 = 16 << 20;
const LAST_FLAG: u32 = 1 << 31;
/// magic + version + chunk size + key check + nonce prefix + salt length.
const FIXED_HEADER_LEN: usize = 8 + 2 + 4 + 16 + 16 + 1;
const IO_BUF: usize = 64 * 1024;

/// Why an archive is refused. The messages are what the operator reads.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("this is not a Vigil backup (it does not start with the Vigil backup header)")]
    NotABackup,
    #[error("this backup is in format {0}, which this version of Vigil cannot read (it reads format {FORMAT_VERSION})")]
    UnsupportedVersion(u16),
    #[error("the backup header is corrupted: {0}")]
    BadHeader(&'static str),
    #[error(
        "the key does not open this backup: wrong key file, {} or passphrase",
        keys::ENV_KEY
    )]
    WrongKey,
    #[error("the backup is truncated")]
    Truncated,
    #[error("chunk {0} fails authentication: corrupted or wrong key")]
    ChunkAuth(u64),
    #[error("the backup has bytes after its last chunk: corrupted")]
    TrailingData,
    #[error("the backup's manifest is invalid: {0}")]
    BadManifest(String),
    #[error("entry {0}: checksum mismatch")]
    Checksum(String),
    #[error("{0}")]
    BadDump(String),
    #[error("{0}")]
    Io(String),
}

type BResult<T> = Result<T, BackupError>;

fn io_err(what: &str) -> impl Fn(std::io::Error) -> BackupError + '_ {
    move |e| BackupError::Io(format!("{what}: {e}"))
}

/// What an archive holds, stored encrypted at the start of the payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u16,
    pub vigil_version: String,
    pub created_at: DateTime<Utc>,
    /// `sqlite`: the embedded database; `postgres`: a PostgreSQL deployment.
    pub engine: String,
    pub entries: Vec<Entry>,
    /// PostgreSQL: the dump's schema version (applied migrations) and its tables with
    /// their row counts, which a restore checks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database: Option<Summary>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// A relative path: `vigil.db`, `vigil.salt` or `postgres.dump`, and evidence files
    /// as `evidence/ab/cdef…`.
    pub name: String,
    pub size: u64,
    /// Lower-case hex.
    pub sha256: String,
}

impl Manifest {
    /// Reject anything a restore could not write safely.
    fn check(&self) -> BResult<()> {
        if self.format != FORMAT_VERSION {
            return Err(BackupError::BadManifest(format!(
                "format {} in a format {FORMAT_VERSION} archive",
                self.format
            )));
        }
        let mut seen = std::collections::BTreeSet::new();
        for e in &self.entries {
            if !valid_entry_name(&e.name) {
                return Err(BackupError::BadManifest(format!(
                    "entry name {:?} is not a plain relative path",
                    e.name
                )));
            }
            if !seen.insert(e.name.as_str()) {
                return Err(BackupError::BadManifest(format!(
                    "entry {} appears twice",
                    e.name
                )));
            }
            if e.sha256.len() != 64 || !e.sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(BackupError::BadManifest(format!(
                    "entry {} has no SHA-256",
                    e.name
                )));
            }
        }
        match self.engine.as_str() {
            ENGINE_SQLITE => {
                if !seen.contains(DB_ENTRY) {
                    return Err(BackupError::BadManifest(format!("no {DB_ENTRY} entry")));
                }
            }
            ENGINE_POSTGRES => {
                if !seen.contains(PG_DUMP_ENTRY) || self.database.is_none() {
                    return Err(BackupError::BadManifest(format!(
                        "no {PG_DUMP_ENTRY} entry or no table list"
                    )));
                }
                let evidence = format!("{}/", vigil_store::evidence::DIR_NAME);
                if let Some(e) = self
                    .entries
                    .iter()
                    .find(|e| e.name != PG_DUMP_ENTRY && !e.name.starts_with(&evidence))
                {
                    return Err(BackupError::BadManifest(format!(
                        "entry {} has no place in a PostgreSQL backup",
                        e.name
                    )));
                }
            }
            other => {
                return Err(BackupError::BadManifest(format!(
                    "unknown engine {other:?}"
                )));
            }
        }
        Ok(())
    }

    /// The evidence files in the archive.
    pub fn evidence_files(&self) -> usize {
        let prefix = format!("{}/", vigil_store::evidence::DIR_NAME);
        self.entries
            .iter()
            .filter(|e| e.name.starts_with(&prefix))
            .count()
    }

    /// One line per entry, for the operator.
    pub fn summary(&self) -> String {
        let mut out = format!(
            "Vigil {} backup of {}, format {}:\n",
            self.vigil_version,
            self.created_at.format("%Y-%m-%d %H:%M:%S UTC"),
            self.format
        );
        if let Some(db) = &self.database {
            out.push_str(&format!(
                "  PostgreSQL dump: schema {}, {} tables, {} rows\n",
                db.migrations.last().map_or("(none)", String::as_str),
                db.tables.len(),
                db.rows()
            ));
        }
        for e in &self.entries {
            out.push_str(&format!(
                "  {:<12} {:>12} bytes  sha256 {}\n",
                e.name, e.size, e.sha256
            ));
        }
        out
    }
}

/// `a/b.c`: components of ASCII letters, digits, `.`, `_`, `-`; no `.`/`..`, no
/// absolute path, at most 8 levels.
fn valid_entry_name(name: &str) -> bool {
    let parts: Vec<&str> = name.split('/').collect();
    !name.is_empty()
        && name.len() <= 255
        && parts.len() <= 8
        && parts.iter().all(|p| {
            !p.is_empty()
                && *p != "."
                && *p != ".."
                && p.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || b == b'-')
        })
}

// ---------------------------------------------------------------- keys and header

/// The archive's subkey of the master key.
pub fn backup_key(master: &Key) -> Key {
    keys::subkey(master, BACKUP_LABEL)
}

fn key_check(backup_key: &Key) -> [u8; 16] {
    let full = keys::subkey(backup_key, CHECK_LABEL);
    let mut out = [0u8; 16];
    for (o, b) in out.iter_mut().zip(full.iter()) {
        *o = *b;
    }
    out
}

/// The clear-text start of an archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub chunk_size: u32,
    key_check: [u8; 16],
    nonce_prefix: [u8; 16],
    /// The passphrase salt of the data directory, if it had one.
    pub salt: Option<Vec<u8>>,
}

impl Header {
    fn encode(&self) -> Vec<u8> {
        let salt = self.salt.as_deref().unwrap_or_default();
        let mut out = Vec::with_capacity(FIXED_HEADER_LEN + salt.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_be_bytes());
        out.extend_from_slice(&self.chunk_size.to_be_bytes());
        out.extend_from_slice(&self.key_check);
        out.extend_from_slice(&self.nonce_prefix);
        // Salts are checked to be at most MAX_SALT_LEN bytes when the header is made.
        out.push(u8::try_from(salt.len()).unwrap_or(0));
        out.extend_from_slice(salt);
        out
    }

    /// Read and check the header; returns it with its raw bytes (the associated data).
    pub fn read(r: &mut impl Read) -> BResult<(Header, Vec<u8>)> {
        let mut magic = [0u8; 8];
        let n = read_full(r, &mut magic)?;
        if magic.get(..n) != MAGIC.get(..n) {
            return Err(BackupError::NotABackup);
        }
        if n < magic.len() {
            return Err(BackupError::Truncated);
        }
        let mut fixed = [0u8; FIXED_HEADER_LEN - 8];
        if read_full(r, &mut fixed)? < fixed.len() {
            return Err(BackupError::Truncated);
        }
        let [v0, v1, c0, c1, c2, c3, rest @ ..] = fixed;
        let version = u16::from_be_bytes([v0, v1]);
        if version != FORMAT_VERSION {
            return Err(BackupError::UnsupportedVersion(version));
        }
        let chunk_size = u32::from_be_bytes([c0, c1, c2, c3]);
        if !(MIN_CHUNK_SIZE..=MAX_CHUNK_SIZE).contains(&chunk_size) {
            return Err(BackupError::BadHeader("impossible chunk size"));
        }
        let mut key_check = [0u8; 16];
        let mut nonce_prefix = [0u8; 16];
        let (kc, rest) = rest.split_at(16);
        let (np, salt_len) = rest.split_at(16);
        key_check.copy_from_slice(kc);
        nonce_prefix.copy_from_slice(np);
        let salt_len = usize::from(salt_len.first().copied().unwrap_or(0));
        if salt_len > MAX_SALT_LEN {
            return Err(BackupError::BadHeader("impossible salt length"));
        }
        let mut salt = vec![0u8; salt_len];
        if read_full(r, &mut salt)? < salt_len {
            return Err(BackupError::Truncated);
        }
        let header = Header {
            chunk_size,
            key_check,
            nonce_prefix,
            salt: (salt_len > 0).then_some(salt),
        };
        let raw = header.encode();
        Ok((header, raw))
    }
}

/// Read until `buf` is full or the input ends; returns how much was read.
fn read_full(r: &mut impl Read, buf: &mut [u8]) -> BResult<usize> {
    let mut n = 0;
    while let Some(rest) = buf.get_mut(n..) {
        if rest.is_empty() {
            break;
        }
        match r.read(rest) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(BackupError::Io(format!("cannot read the backup: {e}"))),
        }
    }
    Ok(n)
}

fn nonce(prefix: &[u8; 16], counter: u64) -> XNonce {
    let mut n = [0u8; 24];
    let (p, c) = n.split_at_mut(16);
    p.copy_from_slice(prefix);
    c.copy_from_slice(&counter.to_be_bytes());
    XNonce::clone_from_slice(&n)
}

fn cipher(key: &Key) -> XChaCha20Poly1305 {
    XChaCha20Poly1305::new(chacha20poly1305::Key::from_slice(key.as_ref()))
}

// ---------------------------------------------------------------- chunks

/// Encrypts a byte stream into authenticated chunks. The final chunk is written by
/// [`ChunkWriter::finish`]; a stream not finished is a truncated archive.
struct ChunkWriter<W: Write> {
    out: W,
    cipher: XChaCha20Poly1305,
    header: Vec<u8>,
    prefix: [u8; 16],
    chunk_size: usize,
    buf: Zeroizing<Vec<u8>>,
    counter: u64,
}

impl<W: Write> ChunkWriter<W> {
    /// Write the header and get ready for the payload.
    fn new(mut out: W, backup_key: &Key, header: &Header) -> BResult<Self> {
        let raw = header.encode();
        out.write_all(&raw)
            .map_err(io_err("cannot write the backup"))?;
        let chunk_size = usize::try_from(header.chunk_size).unwrap_or(usize::MAX);
        Ok(Self {
            out,
            cipher: cipher(backup_key),
            header: raw,
            prefix: header.nonce_prefix,
            chunk_size,
            buf: Zeroizing::new(Vec::with_capacity(chunk_size)),
            counter: 0,
        })
    }

    fn write_all(&mut self, mut data: &[u8]) -> BResult<()> {
        while !data.is_empty() {
            // A full buffer is sealed only once more data comes, so the last chunk is
            // never empty unless the payload is.
            if self.buf.len() >= self.chunk_size {
                self.seal(false)?;
            }
            let room = self
                .chunk_size
                .saturating_sub(self.buf.len())
                .min(data.len());
            let (now, rest) = data.split_at(room);
            self.buf.extend_from_slice(now);
            data = rest;
        }
        Ok(())
    }

    fn seal(&mut self, last: bool) -> BResult<()> {
        let mut aad = self.header.clone();
        aad.push(u8::from(last));
        let ct = self
            .cipher
            .encrypt(
                &nonce(&self.prefix, self.counter),
                Payload {
                    msg: &self.buf,
                    aad: &aad,
                },
            )
            .map_err(|_| BackupError::Io("encryption failed".to_owned()))?;
        let len = u32::try_from(ct.len())
            .ok()
            .filter(|l| *l < LAST_FLAG)
            .ok_or_else(|| BackupError::Io("chunk too large".to_owned()))?;
        let frame = if last { len | LAST_FLAG } else { len };
        self.out
            .write_all(&frame.to_be_bytes())
            .and_then(|()| self.out.write_all(&ct))
            .map_err(io_err("cannot write the backup"))?;
        self.buf.clear();
        self.counter = self
            .counter
            .checked_add(1)
            .ok_or_else(|| BackupError::Io("too many chunks".to_owned()))?;
        Ok(())
    }

    fn finish(mut self) -> BResult<W> {
        self.seal(true)?;
        self.out
            .flush()
            .map_err(io_err("cannot write the backup"))?;
        Ok(self.out)
    }
}

/// Decrypts and authenticates chunks one at a time.
struct ChunkReader<R: Read> {
    inp: R,
    cipher: XChaCha20Poly1305,
    header: Vec<u8>,
    prefix: [u8; 16],
    max_ct: usize,
    counter: u64,
    plain: Zeroizing<Vec<u8>>,
    pos: usize,
    last_seen: bool,
}

impl<R: Read> ChunkReader<R> {
    fn new(inp: R, backup_key: &Key, header: &Header, raw_header: Vec<u8>) -> Self {
        Self {
            inp,
            cipher: cipher(backup_key),
            header: raw_header,
            prefix: header.nonce_prefix,
            max_ct: usize::try_from(header.chunk_size)
                .unwrap_or(usize::MAX)
                .saturating_add(TAG_LEN),
            counter: 0,
            plain: Zeroizing::new(Vec::new()),
            pos: 0,
            last_seen: false,
        }
    }

    /// Load and authenticate the next chunk. Chunks are numbered from 1 in messages.
    fn next_chunk(&mut self) -> BResult<()> {
        let number = self.counter.saturating_add(1);
        let mut frame = [0u8; 4];
        if read_full(&mut self.inp, &mut frame)? < frame.len() {
            return Err(BackupError::Truncated);
        }
        let frame = u32::from_be_bytes(frame);
        let last = frame & LAST_FLAG != 0;
        let len = usize::try_from(frame & !LAST_FLAG).unwrap_or(usize::MAX);
        if !(TAG_LEN..=self.max_ct).contains(&len) {
            return Err(BackupError::ChunkAuth(number));
        }
        let mut ct = vec![0u8; len];
        if read_full(&mut self.inp, &mut ct)? < len {
            return Err(BackupError::Truncated);
        }
        let mut aad = self.header.clone();
        aad.push(u8::from(last));
        let plain = self
            .cipher
            .decrypt(
                &nonce(&self.prefix, self.counter),
                Payload {
                    msg: &ct,
                    aad: &aad,
                },
            )
            .map_err(|_| BackupError::ChunkAuth(number))?;
        self.plain = Zeroizing::new(plain);
        self.pos = 0;
        self.last_seen = last;
        self.counter = number;
        Ok(())
    }

    /// Read some payload bytes; 0 at the end of the payload.
    fn read_some(&mut self, buf: &mut [u8]) -> BResult<usize> {
        while self.pos >= self.plain.len() {
            if self.last_seen || buf.is_empty() {
                return Ok(0);
            }
            self.next_chunk()?;
        }
        let avail = self.plain.get(self.pos..).unwrap_or_default();
        let n = avail.len().min(buf.len());
        if let (Some(dst), Some(src)) = (buf.get_mut(..n), avail.get(..n)) {
            dst.copy_from_slice(src);
        }
        self.pos += n;
        Ok(n)
    }

    fn read_exact(&mut self, buf: &mut [u8], what: &str) -> BResult<()> {
        let mut n = 0;
        while let Some(rest) = buf.get_mut(n..) {
            if rest.is_empty() {
                break;
            }
            match self.read_some(rest)? {
                0 => {
                    return Err(BackupError::BadManifest(format!(
                        "the payload ends inside {what}"
                    )))
                }
                k => n += k,
            }
        }
        Ok(())
    }

    /// The payload must end here: after the last chunk, with nothing behind it.
    fn finish(mut self) -> BResult<()> {
        let mut probe = [0u8; 1];
        if self.read_some(&mut probe)? != 0 {
            return Err(BackupError::BadManifest(
                "the payload goes on after the last entry".to_owned(),
            ));
        }
        if read_full(&mut self.inp, &mut probe)? != 0 {
            return Err(BackupError::TrailingData);
        }
        Ok(())
    }
}

impl<R: Read> Read for ChunkReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.read_some(buf)
            .map_err(|e| std::io::Error::other(e.to_string()))
    }
}

// ---------------------------------------------------------------- archive

/// Where the entries of an archive being read go.
trait Sink {
    /// The manifest, checked, before the first entry.
    fn manifest(&mut self, _manifest: &Manifest) -> BResult<()> {
        Ok(())
    }
    fn begin(&mut self, entry: &Entry) -> BResult<()>;
    fn data(&mut self, bytes: &[u8]) -> BResult<()>;
    fn end(&mut self) -> BResult<()>;
}

/// Verification only: writes nothing, and checks a PostgreSQL dump's framing and row
/// counts against the manifest as it goes by.
#[derive(Default)]
struct Discard {
    expected: Option<Summary>,
    dump: Option<DumpParser>,
}

impl Sink for Discard {
    fn manifest(&mut self, manifest: &Manifest) -> BResult<()> {
        self.expected.clone_from(&manifest.database);
        Ok(())
    }
    fn begin(&mut self, entry: &Entry) -> BResult<()> {
        if entry.name == PG_DUMP_ENTRY {
            self.dump = Some(DumpParser::new());
        }
        Ok(())
    }
    fn data(&mut self, bytes: &[u8]) -> BResult<()> {
        if let Some(p) = &mut self.dump {
            p.feed(bytes, &mut |_| Ok(()))
                .map_err(|e| BackupError::BadDump(e.to_string()))?;
        }
        Ok(())
    }
    fn end(&mut self) -> BResult<()> {
        if let Some(p) = self.dump.take() {
            let header = p
                .finish()
                .map_err(|e| BackupError::BadDump(e.to_string()))?;
            if Some(header.summary()) != self.expected {
                return Err(BackupError::BadDump(
                    "the database dump does not match the manifest's table list".to_owned(),
                ));
            }
        }
        Ok(())
    }
}

/// Encrypt `manifest` and the entries' bytes (read from `sources`, in manifest order)
/// into `out`. Returns the SHA-256 of what was read from each source, for the caller to
/// compare with the manifest (a file that changed under us must not be archived).
fn write_archive<W: Write>(
    out: W,
    master: &Key,
    salt: Option<Vec<u8>>,
    chunk_size: u32,
    manifest: &Manifest,
    sources: &mut [&mut dyn Read],
) -> BResult<(W, Vec<String>)> {
    if !(MIN_CHUNK_SIZE..=MAX_CHUNK_SIZE).contains(&chunk_size) {
        return Err(BackupError::Io(format!(
            "chunk size must be {MIN_CHUNK_SIZE}..={MAX_CHUNK_SIZE}"
        )));
    }
    if salt.as_ref().is_some_and(|s| s.len() > MAX_SALT_LEN) {
        return Err(BackupError::Io(format!(
            "{} is longer than {MAX_SALT_LEN} bytes",
            keys::SALT_FILE
        )));
    }
    if sources.len() != manifest.entries.len() {
        return Err(BackupError::Io("one source per entry".to_owned()));
    }
    let key = backup_key(master);
    let mut nonce_prefix = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut nonce_prefix);
    let header = Header {
        chunk_size,
        key_check: key_check(&key),
        nonce_prefix,
        salt,
    };
    let mut w = ChunkWriter::new(out, &key, &header)?;
    let json = serde_json::to_vec(manifest).map_err(|e| BackupError::Io(e.to_string()))?;
    let len = u32::try_from(json.len())
        .ok()
        .filter(|l| *l <= MAX_MANIFEST_LEN)
        .ok_or_else(|| BackupError::Io("the manifest is too large".to_owned()))?;
    w.write_all(&len.to_be_bytes())?;
    w.write_all(&json)?;
    let mut hashes = Vec::with_capacity(sources.len());
    let mut buf = Zeroizing::new(vec![0u8; IO_BUF]);
    for (entry, src) in manifest.entries.iter().zip(sources.iter_mut()) {
        let mut hasher = Sha256::new();
        let mut total: u64 = 0;
        loop {
            let n = match src.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(BackupError::Io(format!("cannot read {}: {e}", entry.name))),
            };
            let chunk = buf.get(..n).unwrap_or_default();
            hasher.update(chunk);
            w.write_all(chunk)?;
            total = total.saturating_add(n as u64);
        }
        if total != entry.size {
            return Err(BackupError::Io(format!(
                "{} changed size while it was archived",
                entry.name
            )));
        }
        hashes.push(hex::encode(hasher.finalize()));
    }
    Ok((w.finish()?, hashes))
}

/// Decrypt and check a whole archive: header, key, every chunk, the manifest and every
/// entry's SHA-256, and that nothing follows. Entries go to `sink` as they are read, so
/// a sink that writes must be prepared to undo on error.
fn read_archive<R: Read>(
    inp: R,
    key_for: impl FnOnce(&Header) -> anyhow::Result<Key>,
    sink: &mut dyn Sink,
) -> anyhow::Result<(Header, Manifest)> {
    let (header, mut r, manifest) = open_payload(inp, key_for)?;
    sink.manifest(&manifest)?;
    let mut buf = Zeroizing::new(vec![0u8; IO_BUF]);
    for entry in &manifest.entries {
        sink.begin(entry)?;
        let mut hasher = Sha256::new();
        let mut left = entry.size;
        while left > 0 {
            let want = usize::try_from(left).unwrap_or(IO_BUF).min(IO_BUF);
            let Some(dst) = buf.get_mut(..want) else {
                break;
            };
            let n = r.read_some(dst)?;
            if n == 0 {
                return Err(BackupError::BadManifest(format!(
                    "the payload ends inside entry {}",
                    entry.name
                ))
                .into());
            }
            let got = dst.get(..n).unwrap_or_default();
            hasher.update(got);
            sink.data(got)?;
            left = left.saturating_sub(n as u64);
        }
        if hex::encode(hasher.finalize()) != entry.sha256 {
            return Err(BackupError::Checksum(entry.name.clone()).into());
        }
        sink.end()?;
    }
    r.finish()?;
    Ok((header, manifest))
}

/// Read the header, check the key and read the manifest: the payload reader is left
/// at the first entry.
fn open_payload<R: Read>(
    mut inp: R,
    key_for: impl FnOnce(&Header) -> anyhow::Result<Key>,
) -> anyhow::Result<(Header, ChunkReader<R>, Manifest)> {
    let (header, raw) = Header::read(&mut inp)?;
    let master = key_for(&header)?;
    let key = backup_key(&master);
    if key_check(&key) != header.key_check {
        return Err(BackupError::WrongKey.into());
    }
    let mut r = ChunkReader::new(inp, &key, &header, raw);
    let mut len = [0u8; 4];
    r.read_exact(&mut len, "the manifest")?;
    let len = u32::from_be_bytes(len);
    if len > MAX_MANIFEST_LEN {
        return Err(BackupError::BadManifest("too large".to_owned()).into());
    }
    let mut json = Zeroizing::new(vec![0u8; usize::try_from(len).unwrap_or(0)]);
    r.read_exact(&mut json, "the manifest")?;
    let manifest: Manifest =
        serde_json::from_slice(&json).map_err(|e| BackupError::BadManifest(e.to_string()))?;
    manifest.check()?;
    Ok((header, r, manifest))
}

/// The key for an archive (asked once: a passphrase prompt), then its manifest alone,
/// refused unless it is of `engine`, then the whole archive verified.
fn verify_for_restore(
    input: &Path,
    key_for: impl FnOnce(&Header) -> anyhow::Result<Key>,
    engine: &str,
) -> anyhow::Result<(Manifest, Key)> {
    let (header, _) = Header::read(&mut open_backup(input)?)?;
    let master = key_for(&header)?;
    let (_, _, peek) = open_payload(open_backup(input)?, |_| Ok(master.clone()))?;
    if peek.engine != engine {
        bail!(
            "{}; Vigil does not restore across engines",
            match peek.engine.as_str() {
                ENGINE_POSTGRES =>
                    "this backup is of a PostgreSQL deployment: restore it with --database-url URL (and --evidence-dir DIR)",
                _ => "this backup is of an embedded (SQLite) instance: restore it with --data DIR",
            }
        );
    }
    let (_, manifest) = read_archive(
        open_backup(input)?,
        |_| Ok(master.clone()),
        &mut Discard::default(),
    )?;
    if manifest != peek {
        bail!("the backup changed while it was verified");
    }
    Ok((manifest, master))
}

fn open_backup(path: &Path) -> anyhow::Result<BufReader<File>> {
    let f = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    Ok(BufReader::with_capacity(IO_BUF, f))
}

/// Verify an archive completely with the key `key_for` gives for its header.
pub fn verify_with(
    path: &Path,
    key_for: impl FnOnce(&Header) -> anyhow::Result<Key>,
) -> anyhow::Result<Manifest> {
    let (_, m) = read_archive(open_backup(path)?, key_for, &mut Discard::default())?;
    Ok(m)
}

/// Verify an archive completely with this master key.
pub fn verify(path: &Path, master: &Key) -> anyhow::Result<Manifest> {
    verify_with(path, |_| Ok(master.clone()))
}

/// Verify an archive held in memory with this master key, as [`verify`] does a file.
/// An entry point for fuzzing (`fuzz/`): any bytes must give an error, never a panic.
pub fn verify_bytes(archive: &[u8], master: &Key) -> anyhow::Result<Manifest> {
    let (_, m) = read_archive(archive, |_| Ok(master.clone()), &mut Discard::default())?;
    Ok(m)
}

/// Seal arbitrary `payload` bytes as an archive's encrypted stream (header and
/// authenticated chunks) under `master`, with no manifest of its own. For fuzzing
/// only: it lets a fuzzer reach the manifest and entry reader behind the
/// authentication, which random bytes never pass.
pub fn seal_payload_for_fuzzing(
    payload: &[u8],
    master: &Key,
    chunk_size: u32,
) -> anyhow::Result<Vec<u8>> {
    let header = Header {
        chunk_size: chunk_size.clamp(MIN_CHUNK_SIZE, MAX_CHUNK_SIZE),
        key_check: key_check(&backup_key(master)),
        nonce_prefix: [7u8; 16],
        salt: None,
    };
    let mut w = ChunkWriter::new(Vec::new(), &backup_key(master), &header)?;
    w.write_all(payload)?;
    Ok(w.finish()?)
}

/// Just the clear-text header (to learn the salt before asking for a passphrase).
pub fn read_header(path: &Path) -> anyhow::Result<Header> {
    Ok(Header::read(&mut open_backup(path)?)?.0)
}

// ---------------------------------------------------------------- backup

/// Write an archive of the store (consistent snapshot, taken while others keep
/// writing) and of `data`'s salt file to `out`, which must not exist. The archive is
/// written beside `out` under a temporary name, read back and verified, and only then
/// renamed to `out`.
pub async fn create(
    store: &Store,
    data: &Path,
    master: &Key,
    out: &Path,
    chunk_size: u32,
) -> anyhow::Result<Manifest> {
    let staging = staging_beside(out)?;
    let snap = staging.path().join(DB_ENTRY);
    store
        .snapshot_to(&snap)
        .await
        .context("cannot take a snapshot of the database")?;
    check_database(&snap, master)
        .await
        .context("the snapshot does not open with this key")?;
    let created_at = store.clock().now();

    let (data, master, out) = (data.to_owned(), master.clone(), out.to_owned());
    tokio::task::spawn_blocking(move || {
        let staging = staging; // removed on drop, whatever happens
        write_and_verify(
            &data, &snap, &staging, &master, &out, chunk_size, created_at,
        )
    })
    .await
    .context("the backup task failed")?
}

/// Refuse an existing `out`; a temporary directory beside it (removed on drop).
fn staging_beside(out: &Path) -> anyhow::Result<tempfile::TempDir> {
    if out.exists() {
        bail!(
            "{} already exists; a backup never overwrites a file",
            out.display()
        );
    }
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    tempfile::Builder::new()
        .prefix(".vigil-backup-")
        .tempdir_in(&parent)
        .with_context(|| {
            format!(
                "cannot create a temporary directory in {}",
                parent.display()
            )
        })
}

// ---------------------------------------------------------------- PostgreSQL

/// The field subkey a PostgreSQL deployment seals its sensitive columns with.
fn field_key(master: &Key) -> Key {
    keys::subkey(master, crate::cli::FIELDS_LABEL)
}

/// Where the dump waits between the database and the archive: a file in the staging
/// directory, encrypted as it is written under a one-time key that never leaves this
/// process, so no clear byte of the database reaches the disk.
struct SealedTemp {
    path: PathBuf,
    key: Key,
}

impl SealedTemp {
    /// Write what arrives on `rx` until it closes; the plaintext's size and SHA-256.
    fn write(&self, mut rx: tokio::sync::mpsc::Receiver<Vec<u8>>) -> BResult<(u64, String)> {
        let file = create_private(&self.path).map_err(|e| BackupError::Io(format!("{e:#}")))?;
        let mut nonce_prefix = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut nonce_prefix);
        let header = Header {
            chunk_size: DEFAULT_CHUNK_SIZE,
            key_check: key_check(&self.key),
            nonce_prefix,
            salt: None,
        };
        let mut w = ChunkWriter::new(BufWriter::with_capacity(IO_BUF, file), &self.key, &header)?;
        let mut hasher = Sha256::new();
        let mut size: u64 = 0;
        while let Some(bytes) = rx.blocking_recv() {
            hasher.update(&bytes);
            size = size.saturating_add(bytes.len() as u64);
            w.write_all(&bytes)?;
        }
        w.finish()?;
        Ok((size, hex::encode(hasher.finalize())))
    }

    /// The plaintext again, authenticated chunk by chunk as it is read.
    fn reader(&self) -> anyhow::Result<ChunkReader<BufReader<File>>> {
        let mut f = open_backup(&self.path)?;
        let (header, raw) = Header::read(&mut f)?;
        if header.key_check != key_check(&self.key) {
            bail!("the temporary dump is not ours");
        }
        Ok(ChunkReader::new(f, &self.key, &header, raw))
    }
}

/// Write an archive of the PostgreSQL database at `url` (one consistent moment, taken
/// while the server keeps writing) and of the evidence files in `evidence_dir` to
/// `out`, which must not exist. The database must be sealed under `master`'s field
/// subkey. As for [`create`], the archive is verified before it is renamed to `out`.
pub async fn create_postgres(
    url: &str,
    evidence_dir: Option<&Path>,
    master: &Key,
    out: &Path,
    chunk_size: u32,
    created_at: DateTime<Utc>,
) -> anyhow::Result<Manifest> {
    let staging = staging_beside(out)?;
    let mut temp_key = Zeroizing::new([0u8; 32]);
    rand::rngs::OsRng.fill_bytes(temp_key.as_mut());
    let temp = Arc::new(SealedTemp {
        path: staging.path().join("dump"),
        key: temp_key,
    });
    let (tx, rx) = tokio::sync::mpsc::channel::<Vec<u8>>(16);
    let writer = {
        let temp = temp.clone();
        tokio::task::spawn_blocking(move || temp.write(rx))
    };
    let dumped = pgdump::dump(url, &field_key(master), &tx).await;
    drop(tx);
    let written = writer.await.context("the backup task failed")?;
    let header = dumped.context("cannot dump the database")?;
    let (size, sha256) = written.context("cannot write the temporary dump")?;

    let evidence_rows = header
        .tables
        .iter()
        .find(|t| t.name == "evidence")
        .map_or(0, |t| t.rows);
    if evidence_rows > 0 && evidence_dir.is_none() {
        bail!(
            "the database has {evidence_rows} evidence files: pass --evidence-dir DIR (the one `vigil serve` uses) so that they are backed up with it"
        );
    }
    let (evidence_dir, master, out) = (
        evidence_dir.map(Path::to_owned),
        master.clone(),
        out.to_owned(),
    );
    tokio::task::spawn_blocking(move || {
        let staging = staging; // removed on drop, whatever happens
        let evidence = match &evidence_dir {
            Some(d) => evidence_files(d)?,
            None => Vec::new(),
        };
        let mut entries = vec![Entry {
            name: PG_DUMP_ENTRY.to_owned(),
            size,
            sha256,
        }];
        for (name, path) in &evidence {
            let (size, sha256) = hash_file(path)?;
            entries.push(Entry {
                name: name.clone(),
                size,
                sha256,
            });
        }
        let manifest = Manifest {
            format: FORMAT_VERSION,
            vigil_version: env!("CARGO_PKG_VERSION").to_owned(),
            created_at,
            engine: ENGINE_POSTGRES.to_owned(),
            entries,
            database: Some(header.summary()),
        };
        let mut dump = temp.reader()?;
        let mut sources: Vec<&mut dyn Read> = vec![&mut dump];
        let mut evidence_readers = evidence
            .iter()
            .map(|(_, p)| {
                File::open(p)
                    .map(|f| BufReader::with_capacity(IO_BUF, f))
                    .with_context(|| format!("cannot read {}", p.display()))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        for r in evidence_readers.iter_mut() {
            sources.push(r);
        }
        seal_verify_rename(
            staging.path(),
            &master,
            None,
            chunk_size,
            &manifest,
            &mut sources,
            &out,
        )?;
        Ok(manifest)
    })
    .await
    .context("the backup task failed")?
}

/// `vigil backup --database-url URL [--evidence-dir DIR] --out FILE`: the master key
/// from a key file or `VIGIL_MASTER_KEY` (as `vigil serve --database-url` takes it).
pub async fn backup_postgres(
    url: &str,
    evidence_dir: Option<&Path>,
    source: &KeySource,
    out: &Path,
) -> anyhow::Result<Manifest> {
    let master = postgres_master_key(source, evidence_dir)?;
    create_postgres(
        url,
        evidence_dir,
        &master,
        out,
        DEFAULT_CHUNK_SIZE,
        SystemClock.now(),
    )
    .await
}

fn postgres_master_key(source: &KeySource, evidence_dir: Option<&Path>) -> anyhow::Result<Key> {
    match source {
        KeySource::Passphrase => bail!(
            "--database-url needs the master key: its sensitive fields are encrypted with it; pass --key-file FILE or set {}",
            keys::ENV_KEY
        ),
        KeySource::Demo => bail!("demo instances have no backups"),
        other => keys::load(other, evidence_dir.unwrap_or(Path::new("")), false),
    }
}

/// Sends the dump entry to the database load and writes evidence files into the
/// evidence directory (entry `evidence/ab/cd…` to `DIR/ab/cd…`).
struct PgSink {
    dump: Option<tokio::sync::mpsc::Sender<Vec<u8>>>,
    in_dump: bool,
    /// Set when the load stopped taking data (it failed: its error is the one to tell).
    load_gone: bool,
    files: Option<DirSink>,
    in_file: bool,
}

impl Sink for PgSink {
    fn begin(&mut self, entry: &Entry) -> BResult<()> {
        if entry.name == PG_DUMP_ENTRY {
            self.in_dump = true;
            return Ok(());
        }
        let prefix = format!("{}/", vigil_store::evidence::DIR_NAME);
        match (entry.name.strip_prefix(&prefix), &mut self.files) {
            (Some(rest), Some(files)) => {
                self.in_file = true;
                files.begin(&Entry {
                    name: rest.to_owned(),
                    size: entry.size,
                    sha256: entry.sha256.clone(),
                })
            }
            _ => Err(BackupError::BadManifest(format!(
                "entry {} has no place to go",
                entry.name
            ))),
        }
    }

    fn data(&mut self, bytes: &[u8]) -> BResult<()> {
        if self.in_dump {
            let sent = self
                .dump
                .as_ref()
                .is_some_and(|tx| tx.blocking_send(bytes.to_vec()).is_ok());
            if !sent {
                self.load_gone = true;
                return Err(BackupError::Io("the database load stopped".to_owned()));
            }
            return Ok(());
        }
        match &mut self.files {
            Some(files) if self.in_file => files.data(bytes),
            _ => Err(BackupError::Io("no entry open".to_owned())),
        }
    }

    fn end(&mut self) -> BResult<()> {
        if self.in_dump {
            // The dump is whole and its checksum verified: the load may finish.
            self.in_dump = false;
            self.dump = None;
            return Ok(());
        }
        self.in_file = false;
        match &mut self.files {
            Some(files) => files.end(),
            None => Ok(()),
        }
    }
}

/// What a PostgreSQL restore did.
#[derive(Debug, Clone)]
pub struct PgRestored {
    pub manifest: Manifest,
    pub load: pgdump::LoadReport,
    pub evidence_files: usize,
}

/// Restore a PostgreSQL archive into the empty database at `url`, and its evidence
/// files into `evidence_dir` (absent or empty). The whole archive is verified first;
/// then, in one transaction, the schema is built up to the dump's version and every
/// table loaded and checked (row counts, field key, audit chain). The transaction
/// commits only once the second reading of the archive has authenticated to its
/// last byte; on any failure the database is left empty and `evidence_dir` as found.
/// Finally the restored database is opened as `vigil serve` opens it (later
/// migrations, the key check) and its audit chain verified again.
pub async fn restore_postgres(
    input: &Path,
    url: &str,
    evidence_dir: Option<&Path>,
    key_for: impl FnOnce(&Header) -> anyhow::Result<Key> + Send + 'static,
) -> anyhow::Result<PgRestored> {
    if let Some(d) = evidence_dir {
        check_restore_dir(d)?;
    }
    // Pass 1: verify everything, write nothing.
    let (manifest, master) = {
        let input = input.to_owned();
        tokio::task::spawn_blocking(move || verify_for_restore(&input, key_for, ENGINE_POSTGRES))
            .await
            .context("the restore task failed")??
    };
    let summary = manifest
        .database
        .clone()
        .context("the manifest has no table list")?;
    let evidence_files = manifest.evidence_files();
    if evidence_files > 0 && evidence_dir.is_none() {
        bail!(
            "the backup holds {evidence_files} evidence files: pass --evidence-dir DIR, a new or empty directory for them"
        );
    }
    pgdump::check_schema(&summary.migrations)?;
    pgdump::check_target(url, &summary).await?;

    // Pass 2: the archive again, the dump streaming into the database.
    let (tx, rx) = tokio::sync::mpsc::channel::<Vec<u8>>(16);
    let files = match evidence_dir {
        Some(d) if evidence_files > 0 => Some(dir_sink(d)?),
        _ => None,
    };
    let reader = {
        let (input, master) = (input.to_owned(), master.clone());
        tokio::task::spawn_blocking(move || {
            let mut sink = PgSink {
                dump: Some(tx),
                in_dump: false,
                load_gone: false,
                files,
                in_file: false,
            };
            let read = open_backup(&input)
                .and_then(|f| read_archive(f, |_| Ok(master.clone()), &mut sink));
            sink.dump = None;
            (read.map(|(_, m)| m), sink)
        })
    };
    let loaded = pgdump::load(url, &field_key(&master), &summary, rx).await;
    let (read, mut sink) = reader.await.context("the restore task failed")?;
    let undo = |sink: &mut PgSink| {
        if let Some(f) = &mut sink.files {
            f.undo();
        }
    };
    let pending = match (loaded, read) {
        (Ok(pending), Ok(m)) if m == manifest => pending,
        (Ok(pending), read) => {
            pending.roll_back().await;
            undo(&mut sink);
            let e = read
                .err()
                .unwrap_or_else(|| anyhow::anyhow!("its manifest differs"));
            return Err(e.context("the backup changed while it was restored; nothing was kept"));
        }
        (Err(load), Err(read)) if !sink.load_gone => {
            undo(&mut sink);
            drop(load);
            return Err(read.context("the backup changed while it was restored; nothing was kept"));
        }
        (Err(load), _) => {
            undo(&mut sink);
            return Err(
                anyhow::Error::new(load).context("the restore failed; the database was left empty")
            );
        }
    };
    let load = match pending.commit().await {
        Ok(r) => r,
        Err(e) => {
            undo(&mut sink);
            return Err(anyhow::Error::new(e).context("the restore could not be committed"));
        }
    };

    // Open it as the server will, and check the chain once more.
    let store = Store::open(
        StoreConfig::Postgres {
            url: url.to_owned(),
            key: Some(field_key(&master)),
        },
        Arc::new(SystemClock),
    )
    .await
    .context(
        "the database was restored and verified, but opening it as the server does failed (a later migration or the key check)",
    )?;
    let report = store.verify_audit().await;
    store.close().await;
    let report = report.context("cannot verify the restored audit log")?;
    if let Some(b) = report.broken {
        bail!(
            "the restored audit chain is broken at entry {}: {}",
            b.seq,
            b.problem
        );
    }
    Ok(PgRestored {
        manifest,
        load,
        evidence_files,
    })
}

/// `vigil restore --in FILE --database-url URL [--evidence-dir DIR]`.
pub async fn restore_postgres_with(
    input: &Path,
    url: &str,
    evidence_dir: Option<&Path>,
    source: &KeySource,
) -> anyhow::Result<PgRestored> {
    let source = source.clone();
    let dir = evidence_dir.map(Path::to_owned);
    restore_postgres(input, url, evidence_dir, move |h| {
        if matches!(source, KeySource::Passphrase) {
            return postgres_master_key(&source, dir.as_deref());
        }
        master_key_for(&source, h)
    })
    .await
}

fn write_and_verify(
    data: &Path,
    snap: &Path,
    staging: &tempfile::TempDir,
    master: &Key,
    out: &Path,
    chunk_size: u32,
    created_at: DateTime<Utc>,
) -> anyhow::Result<Manifest> {
    let salt_path = data.join(keys::SALT_FILE);
    let salt = match std::fs::read(&salt_path) {
        Ok(s) => Some(s),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(e).context(format!("cannot read {}", salt_path.display())),
    };
    let mut entries = vec![Entry {
        name: DB_ENTRY.to_owned(),
        size: 0,
        sha256: String::new(),
    }];
    let (size, sha256) = hash_file(snap)?;
    if let Some(e) = entries.first_mut() {
        e.size = size;
        e.sha256 = sha256;
    }
    if let Some(s) = &salt {
        entries.push(Entry {
            name: keys::SALT_FILE.to_owned(),
            size: s.len() as u64,
            sha256: hex::encode(Sha256::digest(s)),
        });
    }
    let evidence = evidence_files(&data.join(vigil_store::evidence::DIR_NAME))?;
    for (name, path) in &evidence {
        let (size, sha256) = hash_file(path)?;
        entries.push(Entry {
            name: name.clone(),
            size,
            sha256,
        });
    }
    let manifest = Manifest {
        format: FORMAT_VERSION,
        vigil_version: env!("CARGO_PKG_VERSION").to_owned(),
        created_at,
        engine: ENGINE_SQLITE.to_owned(),
        entries,
        database: None,
    };

    let mut db = BufReader::with_capacity(
        IO_BUF,
        File::open(snap).context("cannot read the snapshot")?,
    );
    let mut salt_reader: &[u8] = salt.as_deref().unwrap_or_default();
    let mut sources: Vec<&mut dyn Read> = vec![&mut db];
    if salt.is_some() {
        sources.push(&mut salt_reader);
    }
    let mut evidence_readers = evidence
        .iter()
        .map(|(_, p)| {
            File::open(p)
                .map(|f| BufReader::with_capacity(IO_BUF, f))
                .with_context(|| format!("cannot read {}", p.display()))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    for r in evidence_readers.iter_mut() {
        sources.push(r);
    }
    seal_verify_rename(
        staging.path(),
        master,
        salt.clone(),
        chunk_size,
        &manifest,
        &mut sources,
        out,
    )?;
    Ok(manifest)
}

/// Write the archive under a temporary name in `staging`, check that every source
/// gave the bytes the manifest describes, read the file back and verify it whole, and
/// only then rename it to `out`.
fn seal_verify_rename(
    staging: &Path,
    master: &Key,
    salt: Option<Vec<u8>>,
    chunk_size: u32,
    manifest: &Manifest,
    sources: &mut [&mut dyn Read],
    out: &Path,
) -> anyhow::Result<()> {
    let tmp = staging.join("archive");
    let file = create_private(&tmp)?;
    let (w, hashes) = write_archive(
        BufWriter::with_capacity(IO_BUF, file),
        master,
        salt,
        chunk_size,
        manifest,
        sources,
    )?;
    let file = w
        .into_inner()
        .map_err(|e| anyhow::anyhow!("cannot write the backup: {}", e.error()))?;
    file.sync_all().context("cannot write the backup")?;
    drop(file);
    let expected: Vec<&str> = manifest.entries.iter().map(|e| e.sha256.as_str()).collect();
    if hashes != expected {
        bail!("the snapshot changed while it was archived; try again");
    }

    // Self-verification: read back what is on disk, with the same key.
    let back = verify(&tmp, master).context("the backup just written does not verify")?;
    if back != *manifest {
        bail!("the backup just written reads back differently");
    }
    if out.exists() {
        bail!(
            "{} appeared while the backup was written; not overwriting it",
            out.display()
        );
    }
    std::fs::rename(&tmp, out).with_context(|| format!("cannot write {}", out.display()))?;
    Ok(())
}

/// The evidence files of a data directory, as archive entry names (`evidence/ab/cd…`)
/// and paths, sorted. Files are immutable once in place (written under a temporary
/// name, then renamed), so each is whole; temporary files (`.tmp-…`) are skipped.
/// A file whose row is in the snapshot was on disk before the row was committed.
fn evidence_files(root: &Path) -> anyhow::Result<Vec<(String, PathBuf)>> {
    let mut out = Vec::new();
    let dirs = match std::fs::read_dir(root) {
        Ok(d) => d,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(e).context(format!("cannot read {}", root.display())),
    };
    for d in dirs {
        let d = d.with_context(|| format!("cannot read {}", root.display()))?;
        if !d.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        let head = d.file_name().to_string_lossy().into_owned();
        for f in std::fs::read_dir(d.path())
            .with_context(|| format!("cannot read {}", d.path().display()))?
        {
            let f = f.with_context(|| format!("cannot read {}", d.path().display()))?;
            let name = f.file_name().to_string_lossy().into_owned();
            let entry = format!("{}/{head}/{name}", vigil_store::evidence::DIR_NAME);
            if name.starts_with('.')
                || !f.file_type().is_ok_and(|t| t.is_file())
                || !valid_entry_name(&entry)
            {
                continue;
            }
            out.push((entry, f.path()));
        }
    }
    out.sort();
    Ok(out)
}

fn hash_file(path: &Path) -> anyhow::Result<(u64, String)> {
    let mut f = File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut hasher = Sha256::new();
    let n = std::io::copy(&mut f, &mut hasher)
        .with_context(|| format!("cannot read {}", path.display()))?;
    Ok((n, hex::encode(hasher.finalize())))
}

fn create_private(path: &Path) -> anyhow::Result<File> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path)
        .with_context(|| format!("cannot create {}", path.display()))
}

/// Open a database file with the master key's SQLCipher subkey and run SQLite's
/// integrity check. Opening switches the file to WAL; closing folds the WAL back.
async fn check_database(path: &Path, master: &Key) -> anyhow::Result<()> {
    let key = keys::subkey(master, keys::SQLCIPHER_LABEL);
    let db = SqliteBackend::open(path, &key).await?;
    let result = db.query("PRAGMA integrity_check", &[]).await;
    db.close().await;
    let rows = result?;
    let verdict = rows.first().map(|r| r.text(0)).unwrap_or_default();
    if verdict != "ok" {
        bail!("integrity check failed: {verdict}");
    }
    let wal = PathBuf::from(format!("{}-wal", path.display()));
    if std::fs::metadata(&wal).is_ok_and(|m| m.len() > 0) {
        bail!("the database left a write-ahead log behind");
    }
    let _ = std::fs::remove_file(wal);
    let _ = std::fs::remove_file(format!("{}-shm", path.display()));
    Ok(())
}

/// `vigil backup --data DIR --out FILE`: open the data directory with its key (as
/// every command does), archive it and verify the archive.
pub async fn backup_data_dir(
    data: &Path,
    source: &KeySource,
    out: &Path,
) -> anyhow::Result<Manifest> {
    let db = data.join(DB_ENTRY);
    if !db.exists() {
        bail!("{} holds no Vigil database", data.display());
    }
    let master = keys::load(source, data, false)?;
    let store = Store::open(
        StoreConfig::Sqlite {
            path: db,
            key: keys::subkey(&master, keys::SQLCIPHER_LABEL),
        },
        Arc::new(SystemClock),
    )
    .await
    .with_context(|| format!("cannot open the database in {}", data.display()))?;
    let result = create(&store, data, &master, out, DEFAULT_CHUNK_SIZE).await;
    store.close().await;
    result
}

/// The master key for an archive: a passphrase is stretched with the salt the archive
/// carries (the data directory it came from may be gone); a key file or
/// `VIGIL_MASTER_KEY` is used as it is.
pub fn master_key_for(source: &KeySource, header: &Header) -> anyhow::Result<Key> {
    match source {
        KeySource::Passphrase => match &header.salt {
            Some(salt) => keys::derive_from_passphrase(&keys::read_passphrase()?, salt),
            None => bail!(
                "this backup was not made with a passphrase; give its key with --key-file or {}",
                keys::ENV_KEY
            ),
        },
        KeySource::Demo => {
            bail!("demo data directories keep their key inside; they have no backups")
        }
        // No data directory to keep the key file out of: the archive is one file.
        other => keys::load(other, Path::new(""), false),
    }
}

// ---------------------------------------------------------------- restore

/// Writes entries into the restore directory, remembering what it made so that a
/// failure can take it all back.
struct DirSink {
    root: PathBuf,
    current: Option<BufWriter<File>>,
    files: Vec<PathBuf>,
    dirs: Vec<PathBuf>,
}

impl DirSink {
    fn undo(&mut self) {
        self.current = None;
        for f in self.files.iter().rev() {
            let _ = std::fs::remove_file(f);
        }
        for d in self.dirs.iter().rev() {
            let _ = std::fs::remove_dir(d);
        }
    }
}

impl Sink for DirSink {
    fn begin(&mut self, entry: &Entry) -> BResult<()> {
        let path = self.root.join(&entry.name);
        let mut missing = Vec::new();
        let mut dir = path.parent();
        while let Some(d) = dir {
            if d == self.root || d.exists() {
                break;
            }
            missing.push(d.to_owned());
            dir = d.parent();
        }
        for d in missing.into_iter().rev() {
            std::fs::create_dir(&d).map_err(io_err("cannot create a directory"))?;
            self.dirs.push(d);
        }
        let file = create_private(&path).map_err(|e| BackupError::Io(format!("{e:#}")))?;
        self.files.push(path);
        self.current = Some(BufWriter::with_capacity(IO_BUF, file));
        Ok(())
    }

    fn data(&mut self, bytes: &[u8]) -> BResult<()> {
        match &mut self.current {
            Some(w) => w.write_all(bytes).map_err(io_err("cannot write")),
            None => Err(BackupError::Io("no entry open".to_owned())),
        }
    }

    fn end(&mut self) -> BResult<()> {
        if let Some(w) = self.current.take() {
            let f = w
                .into_inner()
                .map_err(|e| BackupError::Io(format!("cannot write: {}", e.error())))?;
            f.sync_all().map_err(io_err("cannot write"))?;
        }
        Ok(())
    }
}

/// Restore an archive into `newdir`, which must be absent or empty. The whole archive
/// is verified (every chunk, every entry's SHA-256) before the first byte is written;
/// it is then decrypted a second time into `newdir` (verified again on the way: the
/// file could change between the passes), and the restored database must open with
/// the key. On any failure `newdir` is left as it was found.
pub async fn restore(
    input: &Path,
    newdir: &Path,
    key_for: impl FnOnce(&Header) -> anyhow::Result<Key> + Send + 'static,
) -> anyhow::Result<Manifest> {
    let (input, newdir) = (input.to_owned(), newdir.to_owned());
    let (manifest, master, mut sink) =
        tokio::task::spawn_blocking(move || restore_files(&input, &newdir, key_for))
            .await
            .context("the restore task failed")??;
    let db = sink.root.join(DB_ENTRY);
    if let Err(e) = check_database(&db, &master).await {
        for side in ["-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{side}", db.display()));
        }
        sink.undo();
        return Err(
            e.context("the restored database does not open with this key; nothing was kept")
        );
    }
    Ok(manifest)
}

/// What a successful file restore made: (manifest, key, sink with the undo list).
type Restored = (Manifest, Key, DirSink);

/// Refuse a directory to restore into unless it is absent or empty.
fn check_restore_dir(newdir: &Path) -> anyhow::Result<()> {
    match std::fs::read_dir(newdir) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                bail!(
                    "{} is not empty; restore only into a new or empty directory",
                    newdir.display()
                );
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => {
            return Err(e).with_context(|| {
                format!(
                    "{} is not a directory Vigil can restore into",
                    newdir.display()
                )
            })
        }
    }
    Ok(())
}

/// A sink writing into `newdir` (checked to be absent or empty), which it creates
/// if need be; its undo removes all it made, `newdir` included.
fn dir_sink(newdir: &Path) -> anyhow::Result<DirSink> {
    let mut made_root = false;
    if !newdir.exists() {
        std::fs::create_dir_all(newdir)
            .with_context(|| format!("cannot create {}", newdir.display()))?;
        made_root = true;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(newdir, std::fs::Permissions::from_mode(0o700));
    }
    let mut sink = DirSink {
        root: newdir.to_owned(),
        current: None,
        files: Vec::new(),
        dirs: Vec::new(),
    };
    if made_root {
        sink.dirs.insert(0, newdir.to_owned());
    }
    Ok(sink)
}

fn restore_files(
    input: &Path,
    newdir: &Path,
    key_for: impl FnOnce(&Header) -> anyhow::Result<Key>,
) -> anyhow::Result<Restored> {
    check_restore_dir(newdir)?;
    // Pass 1: verify everything, write nothing.
    let (manifest, master) = verify_for_restore(input, key_for, ENGINE_SQLITE)?;
    // Pass 2: write.
    let mut sink = dir_sink(newdir)?;
    let again = open_backup(input).and_then(|f| {
        read_archive(f, |_| Ok(master.clone()), &mut sink)
            .context("the backup changed while it was restored")
    });
    match again {
        Ok((_, m)) if m == manifest => Ok((manifest, master, sink)),
        Ok(_) => {
            sink.undo();
            bail!("the backup changed while it was restored; nothing was kept")
        }
        Err(e) => {
            sink.undo();
            Err(e)
        }
    }
}

/// `vigil restore --in FILE --data NEWDIR`.
pub async fn restore_data_dir(
    input: &Path,
    newdir: &Path,
    source: &KeySource,
) -> anyhow::Result<Manifest> {
    let source = source.clone();
    restore(input, newdir, move |h| master_key_for(&source, h)).await
}

/// `vigil backup verify --in FILE`.
pub async fn verify_file(input: &Path, source: &KeySource) -> anyhow::Result<Manifest> {
    let (input, source) = (input.to_owned(), source.clone());
    tokio::task::spawn_blocking(move || verify_with(&input, |h| master_key_for(&source, h)))
        .await
        .context("the verification task failed")?
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
    use super::*;

    fn master(b: u8) -> Key {
        Zeroizing::new([b; 32])
    }

    fn manifest_for(entries: &[(&str, &[u8])]) -> Manifest {
        Manifest {
            format: FORMAT_VERSION,
            vigil_version: "test".into(),
            created_at: DateTime::UNIX_EPOCH,
            engine: "sqlite".into(),
            entries: entries
                .iter()
                .map(|(n, b)| Entry {
                    name: (*n).to_owned(),
                    size: b.len() as u64,
                    sha256: hex::encode(Sha256::digest(b)),
                })
                .collect(),
            database: None,
        }
    }

    /// An archive of these entries in memory.
    fn archive(entries: &[(&str, &[u8])], chunk: u32, salt: Option<Vec<u8>>) -> Vec<u8> {
        archive_with(&manifest_for(entries), entries, chunk, salt)
    }

    fn archive_with(
        m: &Manifest,
        entries: &[(&str, &[u8])],
        chunk: u32,
        salt: Option<Vec<u8>>,
    ) -> Vec<u8> {
        let mut readers: Vec<&[u8]> = entries.iter().map(|(_, b)| *b).collect();
        let mut sources: Vec<&mut dyn Read> =
            readers.iter_mut().map(|r| r as &mut dyn Read).collect();
        write_archive(Vec::new(), &master(1), salt, chunk, m, &mut sources)
            .unwrap()
            .0
    }

    fn read(bytes: &[u8], key: u8) -> Result<Manifest, BackupError> {
        match read_archive(bytes, |_| Ok(master(key)), &mut Discard::default()) {
            Ok((_, m)) => Ok(m),
            Err(e) => Err(e.downcast::<BackupError>().unwrap()),
        }
    }

    /// Byte offsets of each chunk's frame in an archive without salt.
    fn frames(bytes: &[u8]) -> Vec<usize> {
        let mut at = FIXED_HEADER_LEN + usize::from(bytes[FIXED_HEADER_LEN - 1]);
        let mut out = Vec::new();
        while at < bytes.len() {
            out.push(at);
            let f = u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
            at += 4 + (f & !LAST_FLAG) as usize;
        }
        out
    }

    #[test]
    fn round_trip_at_every_size_around_chunk_boundaries() {
        let db: Vec<u8> = (0..3000u32).map(|i| (i % 251) as u8).collect();
        for chunk in [16u32, 64, 100, 1024, 1 << 20] {
            for len in [0usize, 1, 15, 16, 17, 63, 64, 65, 1000, 3000] {
                let entries: [(&str, &[u8]); 2] = [
                    ("vigil.db", &db[..len]),
                    ("vigil.salt", b"0123456789abcdef"),
                ];
                let bytes = archive(&entries, chunk, Some(b"0123456789abcdef".to_vec()));
                let m = read(&bytes, 1).unwrap();
                assert_eq!(m, manifest_for(&entries));
                // Exactly one chunk carries the last flag, and it is the final one.
                let fr = frames(&bytes);
                let flags: Vec<bool> = fr.iter().map(|&at| bytes[at] & 0x80 != 0).collect();
                assert_eq!(flags.iter().filter(|f| **f).count(), 1, "{chunk}/{len}");
                assert!(flags.last().copied().unwrap());
            }
        }
    }

    #[test]
    fn the_header_carries_no_key_and_the_payload_no_clear_text() {
        let secret = b"CANARY Jos\xc3\xa9 Ram\xc3\xadrez narrative";
        let bytes = archive(&[("vigil.db", secret)], 16, None);
        assert!(bytes.starts_with(MAGIC));
        assert!(!bytes.windows(6).any(|w| w == b"CANARY"));
        assert!(
            !bytes.windows(8).any(|w| w == b"vigil.db"),
            "manifest is encrypted"
        );
        assert!(!bytes.windows(16).any(|w| w == &master(1)[..16]));
        assert!(!bytes
            .windows(16)
            .any(|w| w == &backup_key(&master(1))[..16]));
    }

    #[test]
    fn wrong_key_is_named() {
        let bytes = archive(&[("vigil.db", b"data")], 16, None);
        assert!(matches!(read(&bytes, 2), Err(BackupError::WrongKey)));
    }

    #[test]
    fn every_flipped_byte_is_detected() {
        let db: Vec<u8> = (0..200u8).collect();
        let bytes = archive(&[("vigil.db", &db)], 64, Some(vec![9; 16]));
        for i in 0..bytes.len() {
            let mut bad = bytes.clone();
            bad[i] ^= 0x20;
            assert!(read(&bad, 1).is_err(), "flip at {i} went unnoticed");
        }
    }

    #[test]
    fn a_flipped_byte_names_its_chunk() {
        let db = vec![7u8; 1000];
        let bytes = archive(&[("vigil.db", &db)], 100, None);
        let fr = frames(&bytes);
        let mut bad = bytes.clone();
        bad[fr[3] + 10] ^= 1;
        let e = read(&bad, 1).unwrap_err();
        assert!(matches!(e, BackupError::ChunkAuth(4)), "{e}");
        assert_eq!(
            e.to_string(),
            "chunk 4 fails authentication: corrupted or wrong key"
        );
        // A header byte (the chunk size) breaks the first chunk.
        let mut bad = bytes.clone();
        bad[13] ^= 1;
        assert!(matches!(read(&bad, 1), Err(BackupError::ChunkAuth(1))));
        // The last flag cannot be set on an earlier chunk.
        let mut bad = bytes.clone();
        bad[fr[1]] |= 0x80;
        assert!(matches!(read(&bad, 1), Err(BackupError::ChunkAuth(2))));
    }

    #[test]
    fn truncation_anywhere_is_refused() {
        let db = vec![3u8; 500];
        let bytes = archive(&[("vigil.db", &db)], 64, None);
        let fr = frames(&bytes);
        for cut in 1..bytes.len() {
            let e = read(&bytes[..cut], 1).unwrap_err();
            assert!(matches!(e, BackupError::Truncated), "cut at {cut}: {e}");
        }
        // Cut exactly at a chunk boundary: every chunk left authenticates, yet the
        // missing last flag gives it away.
        let e = read(&bytes[..fr[fr.len() - 1]], 1).unwrap_err();
        assert_eq!(e.to_string(), "the backup is truncated");
        assert!(matches!(read(&[], 1), Err(BackupError::Truncated)));
    }

    #[test]
    fn reordered_chunks_and_trailing_bytes_are_refused() {
        let db = vec![5u8; 300];
        let bytes = archive(&[("vigil.db", &db)], 64, None);
        let fr = frames(&bytes);
        // Swap chunks 2 and 3 (both full, same length).
        let (a, b, c) = (fr[1], fr[2], fr[3]);
        let mut swapped = bytes[..a].to_vec();
        swapped.extend_from_slice(&bytes[b..c]);
        swapped.extend_from_slice(&bytes[a..b]);
        swapped.extend_from_slice(&bytes[c..]);
        assert!(matches!(read(&swapped, 1), Err(BackupError::ChunkAuth(2))));
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(matches!(read(&longer, 1), Err(BackupError::TrailingData)));
    }

    #[test]
    fn checksum_mismatch_is_named() {
        let entries: [(&str, &[u8]); 1] = [("vigil.db", b"the real bytes")];
        let mut m = manifest_for(&entries);
        m.entries[0].sha256 = hex::encode(Sha256::digest(b"other bytes"));
        let bytes = archive_with(&m, &entries, 64, None);
        let e = read(&bytes, 1).unwrap_err();
        assert_eq!(e.to_string(), "entry vigil.db: checksum mismatch");
    }

    #[test]
    fn unsafe_entry_names_and_foreign_files_are_refused() {
        for name in ["../etc/passwd", "/abs", "a//b", "a/./b", "", "x\\y", "é"] {
            assert!(!valid_entry_name(name), "{name:?}");
        }
        for name in ["vigil.db", "vigil.salt", "files/ab/cd0123.bin"] {
            assert!(valid_entry_name(name), "{name:?}");
        }
        let entries: [(&str, &[u8]); 2] = [("vigil.db", b"x"), ("../escape", b"y")];
        let bytes = archive(&entries, 64, None);
        assert!(matches!(read(&bytes, 1), Err(BackupError::BadManifest(_))));
        assert!(matches!(
            read(b"PK\x03\x04 not ours", 1),
            Err(BackupError::NotABackup)
        ));
        let mut future = archive(&[("vigil.db", b"x")], 64, None);
        future[9] = 2;
        assert!(matches!(
            read(&future, 1),
            Err(BackupError::UnsupportedVersion(2))
        ));
    }

    #[test]
    fn header_round_trips_with_its_salt() {
        let bytes = archive(&[("vigil.db", b"x")], 64, Some(vec![4; 16]));
        let (h, raw) = Header::read(&mut &bytes[..]).unwrap();
        assert_eq!(h.salt, Some(vec![4; 16]));
        assert_eq!(h.chunk_size, 64);
        assert_eq!(raw, bytes[..FIXED_HEADER_LEN + 16]);
    }
}
