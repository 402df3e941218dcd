//! `vigil key rotate`: re-key an embedded instance (`--data DIR`) to a new master key.
//!
//! The server and every other `vigil` command must be stopped: the database is
//! re-encrypted on one connection that must have it to itself (another process holding
//! it open makes the rotation stop before the database is changed).
//!
//! **Order, and why it is crash-safe.**
//! 1. Open with the old key (a wrong old key stops here: nothing has changed). Remove
//!    orphans a previous, interrupted rotation may have left in the evidence directory
//!    (files whose names no evidence row has under the old key).
//! 2. Write every evidence file again under the new evidence subkey. Names are keyed by
//!    the evidence key, so the new files sit beside the old ones; nothing is removed.
//! 3. With a new passphrase, write its new salt as `vigil.salt.new` (the old
//!    `vigil.salt` stays).
//! 4. `PRAGMA rekey` to the new SQLCipher subkey: SQLCipher re-encrypts the whole
//!    database in one transaction. **Interrupted before or during this step, the old
//!    key still opens everything**; the new evidence files (and `vigil.salt.new`) are
//!    orphans, removed by the next rotation and never read.
//! 5. Move `vigil.salt.new` into place (with a new key file: remove the old salt).
//!    Interrupted between 4 and 5, rename `vigil.salt.new` to `vigil.salt` by hand.
//! 6. Open with the new key and record the rotation in the audit log.
//! 7. Remove the old evidence files. Interrupted after 4, they are orphans: unreadable
//!    without the old key, and removed by the next rotation.
//!
//! **PostgreSQL** (`--database-url`, see [`rotate_postgres`]): the database holds
//! sensitive fields sealed under the field subkey, with a blind index under a subkey
//! of it; the evidence files (with `--evidence-dir`) under the evidence subkey.
//! 1. Open with the old key (the key check refuses a wrong one: nothing changed).
//! 2. Evidence: orphans removed, then every file written again beside the old one,
//!    as steps 1–2 above.
//! 3. One PostgreSQL transaction ([`vigil_store::Store::rotate_field_key`]): every
//!    sealed value opened and sealed again, the blind index computed again, the key
//!    check replaced and the rotation audited. **Interrupted before the commit, the
//!    old key still opens everything**; the new evidence files are orphans.
//! 4. The old evidence files removed (orphans if interrupted, as step 7 above).

use anyhow::{bail, Context};
use clap::Subcommand;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use zeroize::Zeroizing;

use vigil_domain::SystemClock;
use vigil_store::audit::{Action, AuditEntry};
use vigil_store::evidence::{self, EvidenceFiles};
use vigil_store::rekey::FieldRotation;
use vigil_store::{Store, StoreConfig};

use crate::cli::{DbArgs, DB_FILE, FIELDS_LABEL};
use crate::keys::{self, Key, KeySource};

/// Where the new passphrase is read from (else it is asked for, twice).
pub const ENV_NEW_PASSPHRASE: &str = "VIGIL_NEW_PASSPHRASE";
/// The new salt, until the database is re-keyed.
pub const NEW_SALT_FILE: &str = "vigil.salt.new";

#[derive(Subcommand, Debug)]
pub enum KeyCommand {
    /// Re-key the instance (--data DIR, or --database-url with --new-key-file) to a new
    /// master key (stop every server first). The old key comes from --key-file,
    /// VIGIL_MASTER_KEY or the passphrase, as usual.
    Rotate {
        #[command(flatten)]
        db: DbArgs,
        /// File holding the new master key (64 hex characters), outside the data
        /// directory.
        #[arg(long, required_unless_present = "new_passphrase")]
        new_key_file: Option<PathBuf>,
        /// Derive the new master key from a new passphrase (VIGIL_NEW_PASSPHRASE, else
        /// asked for), with a new salt.
        #[arg(long, conflicts_with = "new_key_file")]
        new_passphrase: bool,
        /// The evidence directory, if `serve` is given another one than DIR/evidence
        /// (with --database-url: the one `serve` uses, required if there are files).
        #[arg(long, env = "VIGIL_EVIDENCE_DIR")]
        evidence_dir: Option<PathBuf>,
    },
}

pub async fn command(cmd: KeyCommand) -> anyhow::Result<ExitCode> {
    let KeyCommand::Rotate {
        db,
        new_key_file,
        new_passphrase,
        evidence_dir,
    } = cmd;
    if let Some(url) = db.database_url.clone() {
        if db.data.is_some() {
            bail!("give either --data or --database-url, not both");
        }
        if new_passphrase {
            bail!("PostgreSQL keeps no salt for a passphrase: give the new key with --new-key-file FILE");
        }
        let Some(new_key_file) = new_key_file else {
            bail!("give the new key: --new-key-file FILE");
        };
        // Key files may not sit in the evidence directory (a copy of it would carry them).
        let near = evidence_dir.clone().unwrap_or_default();
        let old = match keys::choose(db.key_file.as_deref(), false) {
            KeySource::Passphrase => bail!(
                "--database-url needs the current master key: pass --key-file FILE or set {}",
                keys::ENV_KEY
            ),
            source => keys::load(&source, &near, false)?,
        };
        let new = keys::load(&KeySource::File(new_key_file), &near, false)?;
        if old.as_ref() == new.as_ref() {
            bail!("the new key is the current key");
        }
        let (report, n) = rotate_postgres(&url, evidence_dir.as_deref(), &old, &new).await?;
        println!(
            "Re-keyed {}: {} sealed values and the search index of {} records are now under key id {} (was {}), and {n} evidence files under the new key; the old key opens nothing here. Backups made before stay under the old key.",
            vigil_store::backend::redact_db_url(&url),
            report.values(),
            report.reindexed,
            report.new_key_id,
            report.old_key_id,
        );
        return Ok(ExitCode::SUCCESS);
    }
    let Some(data) = db.data.clone() else {
        bail!("pass --data DIR: the instance to re-key");
    };
    let file = data.join(DB_FILE);
    if !file.exists() {
        bail!("{} holds no Vigil database", data.display());
    }
    let old = keys::load(&keys::choose(db.key_file.as_deref(), false), &data, false)?;
    let (new, new_salt) = if let Some(f) = new_key_file {
        (keys::load(&KeySource::File(f), &data, false)?, None)
    } else if new_passphrase {
        let pass = read_new_passphrase()?;
        if pass.chars().count() < 12 {
            bail!("the new passphrase must be at least 12 characters");
        }
        let salt: [u8; 16] = rand::random();
        (keys::derive_from_passphrase(&pass, &salt)?, Some(salt))
    } else {
        bail!("give the new key: --new-key-file FILE or --new-passphrase");
    };
    if old.as_ref() == new.as_ref() {
        bail!("the new key is the current key");
    }
    let evidence_dir = evidence_dir.unwrap_or_else(|| data.join(evidence::DIR_NAME));
    let n = rotate(&data, &evidence_dir, &old, &new, new_salt.as_ref()).await?;
    println!(
        "Re-keyed {}: the database and {n} evidence files are now under the new key; the old key opens nothing here. Backups made before stay under the old key.",
        data.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn read_new_passphrase() -> anyhow::Result<Zeroizing<String>> {
    if let Ok(p) = std::env::var(ENV_NEW_PASSPHRASE) {
        return Ok(Zeroizing::new(p));
    }
    let a = Zeroizing::new(
        rpassword::prompt_password("New passphrase: ").context("cannot read the passphrase")?,
    );
    let b = Zeroizing::new(rpassword::prompt_password("Again: ")?);
    if a != b {
        bail!("the passphrases differ");
    }
    Ok(a)
}

fn files_for(dir: &Path, master: &Key) -> EvidenceFiles {
    EvidenceFiles::new(
        dir.to_owned(),
        keys::subkey(master, evidence::EVIDENCE_LABEL),
        evidence::DEFAULT_MAX_SIZE,
    )
}

/// Every file under the evidence directory's two-hex-digit subdirectories (where
/// evidence files and their temporary files live).
fn stored_files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(out);
    };
    for sub in entries {
        let sub = sub?.path();
        let name = sub.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if !(sub.is_dir() && name.len() == 2 && name.bytes().all(|b| b.is_ascii_hexdigit())) {
            continue;
        }
        for f in std::fs::read_dir(&sub)? {
            let f = f?.path();
            if f.is_file() {
                out.push(f);
            }
        }
    }
    Ok(out)
}

fn sync_dir(dir: &Path) {
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

/// The steps in the module documentation. Returns the number of evidence files.
pub async fn rotate(
    data: &Path,
    evidence_dir: &Path,
    old: &Key,
    new: &Key,
    new_salt: Option<&[u8; 16]>,
) -> anyhow::Result<usize> {
    let file = data.join(DB_FILE);
    let old_db = keys::subkey(old, keys::SQLCIPHER_LABEL);
    let new_db = keys::subkey(new, keys::SQLCIPHER_LABEL);
    let old_files = files_for(evidence_dir, old);
    let new_files = files_for(evidence_dir, new);

    // 1. Open with the old key; clear orphans of an interrupted rotation.
    // On a connection of its own, closed before the rekey (a pool lets go of its
    // connections in the background).
    let hashes = vigil_store::rekey::sqlite_evidence_hashes(&file, &old_db)
        .await
        .with_context(|| {
            format!(
                "the current key does not open {}; nothing was changed",
                data.display()
            )
        })?;
    // 2. Every evidence file again, under the new key, beside the old one.
    let live = copy_evidence(evidence_dir, &hashes, &old_files, &new_files)?;

    // 3. The new salt, beside the old one.
    let salt_new = data.join(NEW_SALT_FILE);
    if let Some(salt) = new_salt {
        write_private(&salt_new, salt)?;
        sync_dir(data);
    }

    // 4. The database, in one transaction.
    vigil_store::rekey::rekey_sqlite(&file, &old_db, &new_db)
        .await
        .with_context(|| {
            format!(
                "cannot re-key {}; the current key still opens it",
                file.display()
            )
        })?;

    // 5. The salt into place.
    let salt = data.join(keys::SALT_FILE);
    if new_salt.is_some() {
        std::fs::rename(&salt_new, &salt).with_context(|| {
            format!(
                "the database is re-keyed but {} could not be renamed to {}: rename it by hand",
                salt_new.display(),
                salt.display()
            )
        })?;
    } else if salt.exists() {
        // The master key now comes from a key file: the old passphrase's salt is of no use.
        std::fs::remove_file(&salt)
            .with_context(|| format!("cannot remove the old salt {}", salt.display()))?;
    }
    sync_dir(data);

    // 6. Record it, under the new key.
    let store = Store::open(
        StoreConfig::Sqlite {
            path: file.clone(),
            key: new_db,
        },
        Arc::new(SystemClock),
    )
    .await
    .context("the database was re-keyed, but does not open with the new key")?;
    let entry = AuditEntry::new(Action::KeyRotate, "master_key")
        .cli()
        .with("evidence_files", hashes.len() as i64)
        .with(
            "new_key_from",
            if new_salt.is_some() {
                "passphrase"
            } else {
                "key_file"
            },
        );
    let audited = store.audit(&entry).await;
    store.close().await;
    audited?;

    // 7. The old evidence files.
    remove_old(&live)?;
    Ok(hashes.len())
}

/// Remove orphans of an interrupted rotation (files no evidence row names under the
/// old key), then write every file of `hashes` again under `new_files`' key beside the
/// old one. Returns the old files.
fn copy_evidence(
    evidence_dir: &Path,
    hashes: &[String],
    old_files: &EvidenceFiles,
    new_files: &EvidenceFiles,
) -> anyhow::Result<HashSet<PathBuf>> {
    let live: HashSet<PathBuf> = hashes.iter().map(|h| old_files.path_of(h)).collect();
    for f in stored_files(evidence_dir)? {
        if !live.contains(&f) {
            std::fs::remove_file(&f)
                .with_context(|| format!("cannot remove the orphan {}", f.display()))?;
        }
    }
    for h in hashes {
        old_files
            .rekeyed_copy(h, new_files)
            .map_err(|e| anyhow::anyhow!("{e}; the database was not changed"))?;
    }
    sync_dir(evidence_dir);
    Ok(live)
}

fn remove_old(live: &HashSet<PathBuf>) -> anyhow::Result<()> {
    for f in live {
        if f.exists() {
            std::fs::remove_file(f)
                .with_context(|| format!("cannot remove the old file {}", f.display()))?;
        }
    }
    Ok(())
}

async fn open_postgres(url: &str, master: &Key) -> anyhow::Result<Store> {
    Ok(Store::open(
        StoreConfig::Postgres {
            url: url.to_owned(),
            key: Some(keys::subkey(master, FIELDS_LABEL)),
        },
        Arc::new(SystemClock),
    )
    .await?)
}

/// The PostgreSQL steps in the module documentation. Returns what the database
/// transaction changed and the number of evidence files.
pub async fn rotate_postgres(
    url: &str,
    evidence_dir: Option<&Path>,
    old: &Key,
    new: &Key,
) -> anyhow::Result<(FieldRotation, usize)> {
    let shown = vigil_store::backend::redact_db_url(url);
    // 1. The old key (the key check refuses a wrong one).
    let store = open_postgres(url, old)
        .await
        .with_context(|| format!("the current key does not open {shown}; nothing was changed"))?;
    let result = async {
        let hashes = store.evidence_hashes().await?;
        // 2. The evidence files, beside the old ones.
        let live = match evidence_dir {
            Some(dir) => copy_evidence(dir, &hashes, &files_for(dir, old), &files_for(dir, new))?,
            None if hashes.is_empty() => HashSet::new(),
            None => bail!(
                "pass --evidence-dir DIR: {} evidence files are encrypted under a subkey of the master key and must be re-encrypted; nothing was changed",
                hashes.len()
            ),
        };
        // 3. The database, in one transaction.
        let entry = AuditEntry::new(Action::KeyRotate, "master_key")
            .cli()
            .with("evidence_files", hashes.len() as i64)
            .with("new_key_from", "key_file");
        let report = store
            .rotate_field_key(&keys::subkey(new, FIELDS_LABEL), entry)
            .await
            .with_context(|| format!("cannot re-key {shown}; the current key still opens it"))?;
        Ok((report, hashes.len(), live))
    }
    .await;
    store.close().await;
    let (report, n, live) = result?;
    // Opens with the new key (its key check passes).
    open_postgres(url, new)
        .await
        .context("the database was re-keyed, but does not open with the new key")?
        .close()
        .await;
    // 4. The old evidence files.
    remove_old(&live)?;
    Ok((report, n))
}

fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    let _ = std::fs::remove_file(path);
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    f.write_all(bytes)?;
    f.sync_all()?;
    Ok(())
}
