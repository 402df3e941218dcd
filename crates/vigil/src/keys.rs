//! The master key. It is never written in clear beside the data: it comes from a
//! key file outside the data directory, from the `VIGIL_MASTER_KEY` environment
//! variable, or from a passphrase (Argon2id with a salt kept in the data directory).
//! Only `--demo` keeps a key file inside the data directory, and says so loudly.
//!
//! Each use gets its own subkey (HMAC-SHA256 of the master key and a label), so the
//! SQLCipher key is never the master key itself.

use anyhow::{bail, Context};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::RngCore;
use sha2::Sha256;
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

pub type Key = Zeroizing<[u8; 32]>;

pub const ENV_KEY: &str = "VIGIL_MASTER_KEY";
pub const ENV_PASSPHRASE: &str = "VIGIL_PASSPHRASE";
pub const SALT_FILE: &str = "vigil.salt";
pub const DEMO_KEY_FILE: &str = "demo.key";
/// The label of the SQLCipher subkey (see [`subkey`]).
pub const SQLCIPHER_LABEL: &str = "vigil sqlcipher v1";

/// Where the master key comes from.
#[derive(Debug, Clone)]
pub enum KeySource {
    File(PathBuf),
    Env,
    Passphrase,
    Demo,
}

/// Choose the source: an explicit key file, else the environment, else a passphrase.
pub fn choose(key_file: Option<&Path>, demo: bool) -> KeySource {
    if demo {
        KeySource::Demo
    } else if let Some(f) = key_file {
        KeySource::File(f.to_owned())
    } else if std::env::var_os(ENV_KEY).is_some() {
        KeySource::Env
    } else {
        KeySource::Passphrase
    }
}

fn parse_hex_key(text: &str, what: &str) -> anyhow::Result<Key> {
    let text = Zeroizing::new(text.trim().to_owned());
    let bytes = Zeroizing::new(
        hex::decode(text.as_bytes()).with_context(|| format!("{what} is not hexadecimal"))?,
    );
    let arr: [u8; 32] = bytes
        .as_slice()
        .try_into()
        .map_err(|_| anyhow::anyhow!("{what} must be 64 hexadecimal characters (32 bytes)"))?;
    Ok(Zeroizing::new(arr))
}

/// A fresh random key as 64 hex characters.
pub fn generate_hex() -> Zeroizing<String> {
    let mut b = Zeroizing::new([0u8; 32]);
    rand::rngs::OsRng.fill_bytes(b.as_mut());
    Zeroizing::new(hex::encode(b.as_ref()))
}

fn inside(dir: &Path, file: &Path) -> bool {
    match (dir.canonicalize(), file.canonicalize()) {
        (Ok(d), Ok(f)) => f.starts_with(d),
        _ => false,
    }
}

/// Obtain the master key for the data directory `data`. `creating` allows making a
/// new salt (passphrase) or demo key.
pub fn load(source: &KeySource, data: &Path, creating: bool) -> anyhow::Result<Key> {
    match source {
        KeySource::File(path) => {
            if inside(data, path) {
                bail!(
                    "the key file {} is inside the data directory; keep it elsewhere, or a copy of the data directory carries its own key",
                    path.display()
                );
            }
            let text = Zeroizing::new(
                std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read key file {}", path.display()))?,
            );
            parse_hex_key(&text, &format!("key file {}", path.display()))
        }
        KeySource::Env => {
            let v = Zeroizing::new(
                std::env::var(ENV_KEY).with_context(|| format!("{ENV_KEY} is not set"))?,
            );
            parse_hex_key(&v, ENV_KEY)
        }
        KeySource::Demo => {
            let path = data.join(DEMO_KEY_FILE);
            if !path.exists() {
                if !creating {
                    bail!("no demo key at {}", path.display());
                }
                write_private(&path, generate_hex().as_bytes())?;
            }
            let text = Zeroizing::new(std::fs::read_to_string(&path)?);
            parse_hex_key(&text, "demo key")
        }
        KeySource::Passphrase => {
            let salt_path = data.join(SALT_FILE);
            let salt = if salt_path.exists() {
                std::fs::read(&salt_path)
                    .with_context(|| format!("cannot read {}", salt_path.display()))?
            } else if creating {
                let mut s = vec![0u8; 16];
                rand::rngs::OsRng.fill_bytes(&mut s);
                write_private(&salt_path, &s)?;
                s
            } else {
                bail!(
                    "no key given: pass --key-file, set {ENV_KEY}, or initialise {} with a passphrase (`vigil init`)",
                    data.display()
                );
            };
            let pass = read_passphrase()?;
            if creating && pass.chars().count() < 12 {
                bail!("the passphrase must be at least 12 characters");
            }
            derive_from_passphrase(&pass, &salt)
        }
    }
}

/// The passphrase from `VIGIL_PASSPHRASE`, else asked for on the terminal.
pub fn read_passphrase() -> anyhow::Result<Zeroizing<String>> {
    match std::env::var(ENV_PASSPHRASE) {
        Ok(p) => Ok(Zeroizing::new(p)),
        Err(_) => Ok(Zeroizing::new(
            rpassword::prompt_password("Vigil passphrase: ")
                .context("cannot read the passphrase")?,
        )),
    }
}

/// Argon2id, 64 MiB, 3 passes: run once at start, so it can afford to be slow.
pub fn derive_from_passphrase(pass: &str, salt: &[u8]) -> anyhow::Result<Key> {
    let params = Params::new(64 * 1024, 3, 1, Some(32)).map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut out = Zeroizing::new([0u8; 32]);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(pass.as_bytes(), salt, out.as_mut())
        .map_err(|e| anyhow::anyhow!("key derivation failed: {e}"))?;
    Ok(out)
}

/// A subkey for one purpose.
pub fn subkey(master: &Key, label: &str) -> Key {
    use hmac::{Hmac, Mac};
    let mut out = Zeroizing::new([0u8; 32]);
    if let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(master.as_ref()) {
        mac.update(label.as_bytes());
        out.copy_from_slice(&mac.finalize().into_bytes());
    }
    out
}

fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn key_file_inside_data_dir_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("k");
        std::fs::write(&f, generate_hex().as_bytes()).unwrap();
        let err = load(&KeySource::File(f), dir.path(), false).unwrap_err();
        assert!(err.to_string().contains("inside the data directory"));
    }

    #[test]
    fn key_file_outside_is_read_and_subkeys_differ() {
        let data = tempfile::tempdir().unwrap();
        let other = tempfile::tempdir().unwrap();
        let f = other.path().join("k");
        std::fs::write(&f, format!("{}\n", "ab".repeat(32))).unwrap();
        let k = load(&KeySource::File(f), data.path(), false).unwrap();
        assert_eq!(k.as_ref(), &[0xab; 32]);
        assert_ne!(subkey(&k, "a").as_ref(), subkey(&k, "b").as_ref());
        assert_ne!(subkey(&k, "a").as_ref(), k.as_ref());
    }

    #[test]
    fn bad_keys_are_explained() {
        assert!(parse_hex_key("zz", "x")
            .unwrap_err()
            .to_string()
            .contains("hexadecimal"));
        assert!(parse_hex_key("abcd", "x")
            .unwrap_err()
            .to_string()
            .contains("64"));
    }
}
