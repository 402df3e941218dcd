//! The command line: `serve`, `init`, `user`, `import`, `demo`, `backup`, `restore`,
//! `audit verify`, `key rotate`. Every command that
//! touches data opens the store the same way (`--data DIR` for the embedded encrypted
//! SQLite, or `--database-url postgres://…`), and refuses anything it cannot recognise.

use anyhow::{bail, Context};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use zeroize::Zeroizing;

use vigil_domain::{Role, SystemClock};
use vigil_store::audit::{Action, AuditEntry};
use vigil_store::evidence::EvidenceFiles;
use vigil_store::{Access, Actor, NewUser, Store, StoreConfig};

use crate::keys;

pub const DB_FILE: &str = "vigil.db";
const DEMO_DIR: &str = "vigil-demo-data";

#[derive(Parser, Debug)]
#[command(
    name = "vigil",
    version,
    about = "Document attacks on human rights defenders and organise their protection."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Debug, Clone)]
pub struct DbArgs {
    /// Data directory of the embedded encrypted database.
    #[arg(long, env = "VIGIL_DATA")]
    pub data: Option<PathBuf>,
    /// Serve from PostgreSQL instead: postgres://user@host/db (its sensitive fields are
    /// encrypted with the master key: give --key-file or VIGIL_MASTER_KEY)
    #[arg(long, env = "VIGIL_DATABASE_URL")]
    pub database_url: Option<String>,
    /// File holding the master key (64 hex characters), kept outside the data directory.
    #[arg(long, env = "VIGIL_KEY_FILE")]
    pub key_file: Option<PathBuf>,
}

/// Where evidence files are kept and how large they may be.
#[derive(Args, Debug, Clone)]
pub struct EvidenceArgs {
    /// Directory of the encrypted evidence files. Default with --data: DIR/evidence;
    /// with --database-url it must be given (and the master key with --key-file or
    /// VIGIL_MASTER_KEY), else uploads are refused.
    #[arg(long, env = "VIGIL_EVIDENCE_DIR")]
    pub evidence_dir: Option<PathBuf>,
    /// Largest evidence file accepted, in megabytes (MiB).
    #[arg(long, env = "VIGIL_EVIDENCE_MAX_MB", default_value_t = 25)]
    pub evidence_max_mb: usize,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve the web interface and the API.
    Serve {
        #[command(flatten)]
        db: DbArgs,
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080", env = "VIGIL_LISTEN")]
        listen: String,
        /// Start with a demo data directory, generated key and synthetic records.
        #[arg(long)]
        demo: bool,
        /// Mark cookies `Secure` (set this when Vigil is behind HTTPS).
        #[arg(long, env = "VIGIL_SECURE_COOKIES")]
        secure_cookies: bool,
        #[command(flatten)]
        auth: crate::signin::AuthArgs,
        #[command(flatten)]
        evidence: EvidenceArgs,
        #[command(flatten)]
        smtp: crate::reminders::SmtpArgs,
        /// Send the reminder digests every day once this UTC time has passed (HH:MM);
        /// needs --smtp-server and --public-url.
        #[arg(long, env = "VIGIL_REMINDERS_AT", value_name = "HH:MM", value_parser = parse_time_of_day)]
        reminders_at: Option<chrono::NaiveTime>,
    },
    /// Daily digests of due and overdue actions by e-mail (see docs/usage.md).
    Reminders {
        #[command(subcommand)]
        command: crate::reminders::RemindersCommand,
    },
    /// End every session and revoke every API token at once (a raid, a lost laptop).
    Lockdown {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Set up a new instance: encrypted database and first administrator.
    Init {
        #[command(flatten)]
        db: DbArgs,
        /// Username of the first administrator.
        #[arg(long, default_value = "admin")]
        admin: String,
    },
    /// Manage user accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// The tamper-evident audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Compartments (need-to-know): who may see which records.
    Compartment {
        #[command(subcommand)]
        command: CompartmentCommand,
    },
    /// Counts of incidents, violations or victims, grouped and filtered, or rates
    /// (see docs/methodology.md).
    Stats(Box<crate::stats::StatsArgs>),
    /// Indicators: `vigil indicator sdg-16-10-1 --from 2024-01`.
    Indicator {
        #[command(subcommand)]
        command: crate::stats::IndicatorCommand,
    },
    /// Versioned releases: freeze figures with their methodology after disclosure
    /// control (`create`), `list`, `show` (see docs/usage.md, "Releases").
    Release {
        #[command(subcommand)]
        command: crate::releases::ReleaseCommand,
    },
    /// UN resolutions, sponsors and roll-call votes; state scorecards (issue 7).
    Resolutions {
        #[command(subcommand)]
        command: crate::resolutions::ResolutionsCommand,
    },
    /// Import incidents from a CSV file (see docs/import.md).
    Import {
        #[command(flatten)]
        db: DbArgs,
        /// Mapping file (TOML).
        #[arg(long = "map")]
        mapping: PathBuf,
        /// Input encoding.
        #[arg(long, value_enum, default_value_t = EncodingArg::Utf8)]
        encoding: EncodingArg,
        /// Validate only; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Add vocabulary values the mapping does not know as new terms.
        #[arg(long)]
        add_unknown_terms: bool,
        /// The administrator the import is recorded under (default: the first).
        #[arg(long = "as")]
        as_user: Option<String>,
        /// The compartment the rows go to, which that user must belong to (default:
        /// their first).
        #[arg(long)]
        compartment: Option<String>,
        /// The CSV file.
        file: PathBuf,
    },
    /// Write one encrypted, self-verifying archive of a data directory, or of a
    /// PostgreSQL database and its evidence files (safe while the server runs);
    /// `vigil backup verify --in FILE` checks an archive.
    #[command(args_conflicts_with_subcommands = true)]
    Backup {
        #[command(subcommand)]
        command: Option<BackupCommand>,
        #[command(flatten)]
        db: DbArgs,
        /// With --database-url: the evidence directory `vigil serve` uses (required if
        /// the database has evidence files). With --data the files are in DIR/evidence.
        #[arg(long, env = "VIGIL_EVIDENCE_DIR")]
        evidence_dir: Option<PathBuf>,
        /// The archive to write (never overwritten).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Restore an archive, after verifying all of it, into a new or empty data
    /// directory (--data) or an empty PostgreSQL database (--database-url), as the
    /// backup was made.
    Restore {
        /// The archive.
        #[arg(long = "in")]
        input: PathBuf,
        /// The directory to restore an embedded instance into: new, or empty.
        #[arg(
            long,
            required_unless_present = "database_url",
            conflicts_with = "database_url"
        )]
        data: Option<PathBuf>,
        /// The empty PostgreSQL database to restore a PostgreSQL backup into:
        /// postgres://user@host/db (given explicitly: no environment variable).
        #[arg(long)]
        database_url: Option<String>,
        /// With --database-url: a new or empty directory for the evidence files.
        #[arg(long, requires = "database_url")]
        evidence_dir: Option<PathBuf>,
        /// File holding the master key the backup was made with.
        #[arg(long, env = "VIGIL_KEY_FILE")]
        key_file: Option<PathBuf>,
    },
    /// The master key: `vigil key rotate` re-keys the instance (server stopped).
    Key {
        #[command(subcommand)]
        command: crate::rotate::KeyCommand,
    },
    /// Fill a database with synthetic demo records: up to 1,000 incidents the curated
    /// set (journeys, groups, relatives), more through the bulk import (docs/import.md).
    Demo {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long, default_value_t = 300)]
        incidents: usize,
        #[arg(long, default_value_t = 2017)]
        seed: u64,
        /// Use the scale generator (and the bulk import) whatever the number.
        #[arg(long)]
        scale: bool,
        /// Write the scale generator's rows to this CSV file, and its mapping beside it
        /// (same name, `.toml`), instead of into a database.
        #[arg(long)]
        csv: Option<PathBuf>,
    },
}

#[derive(Subcommand, Debug)]
enum UserCommand {
    /// Add a user; the password is asked for (or read from VIGIL_NEW_PASSWORD).
    Add {
        #[command(flatten)]
        db: DbArgs,
        username: String,
        #[arg(long, value_parser = parse_role)]
        role: Role,
        #[arg(long, default_value = "")]
        name: String,
    },
    /// List users.
    List {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Disable a user: their sessions and API tokens end at once.
    Disable {
        #[command(flatten)]
        db: DbArgs,
        username: String,
    },
    /// Set a user's e-mail address for reminder digests ("" removes it).
    Email {
        #[command(flatten)]
        db: DbArgs,
        username: String,
        address: String,
    },
    /// Remove a user's two-factor authentication (a lost phone) and end their sessions.
    #[command(name = "reset-2fa")]
    Reset2fa {
        #[command(flatten)]
        db: DbArgs,
        username: String,
    },
}

#[derive(Subcommand, Debug)]
enum BackupCommand {
    /// Decrypt and check every chunk and every entry of an archive; write nothing.
    Verify {
        /// The archive.
        #[arg(long = "in")]
        input: PathBuf,
        /// File holding the master key the backup was made with.
        #[arg(long, env = "VIGIL_KEY_FILE")]
        key_file: Option<PathBuf>,
    },
}

#[derive(ValueEnum, Debug, Clone, Copy)]
enum EncodingArg {
    #[value(name = "utf-8", alias = "utf8")]
    Utf8,
    #[value(
        name = "latin-1",
        alias = "latin1",
        alias = "iso-8859-1",
        alias = "windows-1252"
    )]
    Latin1,
}

use crate::compartments::CompartmentCommand;

#[derive(Subcommand, Debug)]
enum AuditCommand {
    /// Check the audit log's hash chain; report the first broken link (exit code 2).
    Verify {
        #[command(flatten)]
        db: DbArgs,
    },
}

fn parse_time_of_day(s: &str) -> Result<chrono::NaiveTime, String> {
    chrono::NaiveTime::parse_from_str(s.trim(), "%H:%M")
        .map_err(|_| format!("{s:?} is not a time of day (HH:MM)"))
}

fn parse_role(s: &str) -> Result<Role, String> {
    s.parse().map_err(|_| {
        let all: Vec<_> = Role::ALL.iter().map(|r| r.code()).collect();
        format!("unknown role {s:?}; one of: {}", all.join(", "))
    })
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("VIGIL_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// The label of the subkey that encrypts sensitive fields on PostgreSQL.
pub const FIELDS_LABEL: &str = "vigil fields v1";

/// Open the store for a command. `creating` allows a new database (init, demo).
pub async fn open_store(db: &DbArgs, demo: bool, creating: bool) -> anyhow::Result<Store> {
    let clock = Arc::new(SystemClock);
    if let Some(url) = &db.database_url {
        if db.data.is_some() && !demo {
            bail!("give either --data or --database-url, not both");
        }
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            bail!(
                "unrecognised database URL {}: Vigil serves from PostgreSQL (postgres://…) or from --data DIR",
                vigil_store::backend::redact_db_url(url)
            );
        }
        // The sensitive columns are encrypted with a subkey of the master key, which
        // must come from --key-file or VIGIL_MASTER_KEY (a passphrase needs a salt
        // kept beside the data, and PostgreSQL has no data directory of ours).
        let master = match keys::choose(db.key_file.as_deref(), demo) {
            keys::KeySource::Passphrase => bail!(
                "--database-url needs the master key: its sensitive fields are encrypted with it; pass --key-file FILE or set {}",
                keys::ENV_KEY
            ),
            keys::KeySource::Demo => {
                let dir = db.data.clone().unwrap_or_else(|| PathBuf::from(DEMO_DIR));
                std::fs::create_dir_all(&dir)
                    .with_context(|| format!("cannot create {}", dir.display()))?;
                keys::load(&keys::KeySource::Demo, &dir, creating)?
            }
            // No data directory to keep the key file out of: the check has no place.
            source => keys::load(&source, std::path::Path::new(""), false)?,
        };
        let key = keys::subkey(&master, FIELDS_LABEL);
        return Store::open(
            StoreConfig::Postgres {
                url: url.clone(),
                key: Some(key),
            },
            clock,
        )
        .await
        .with_context(|| format!("cannot open {}", vigil_store::backend::redact_db_url(url)));
    }
    let data = match (&db.data, demo) {
        (Some(d), _) => d.clone(),
        (None, true) => PathBuf::from(DEMO_DIR),
        (None, false) => bail!(
            "no database: pass --data DIR (embedded, encrypted) or --database-url postgres://…"
        ),
    };
    let file = data.join(DB_FILE);
    if !file.exists() && !creating {
        bail!(
            "{} holds no Vigil database; run `vigil init --data {}` first",
            data.display(),
            data.display()
        );
    }
    std::fs::create_dir_all(&data).with_context(|| format!("cannot create {}", data.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o700));
    }
    let source = keys::choose(db.key_file.as_deref(), demo);
    let master = keys::load(&source, &data, creating)?;
    let key = keys::subkey(&master, keys::SQLCIPHER_LABEL);
    let evidence = EvidenceFiles::new(
        data.join(vigil_store::evidence::DIR_NAME),
        keys::subkey(&master, vigil_store::evidence::EVIDENCE_LABEL),
        vigil_store::evidence::DEFAULT_MAX_SIZE,
    );
    Ok(Store::open(StoreConfig::Sqlite { path: file, key }, clock)
        .await
        .with_context(|| format!("cannot open the database in {}", data.display()))?
        .with_evidence(evidence))
}

/// Set the evidence store's directory and size limit for `serve`. With `--data` the
/// files live in `DIR/evidence` unless `--evidence-dir` says otherwise; with
/// PostgreSQL they need `--evidence-dir` and a master key (none given: uploads refused).
fn configure_evidence(
    store: Store,
    db: &DbArgs,
    args: &EvidenceArgs,
    demo: bool,
) -> anyhow::Result<Store> {
    let max = args.evidence_max_mb.saturating_mul(1024 * 1024);
    if max == 0 {
        bail!("--evidence-max-mb must be at least 1");
    }
    if let Some(files) = store.evidence_files() {
        // SQLite: the key came with the data directory.
        let files = files.reconfigured(args.evidence_dir.clone(), max);
        return Ok(store.with_evidence(files));
    }
    let Some(dir) = args.evidence_dir.clone() else {
        tracing::warn!("no --evidence-dir: evidence uploads are refused");
        return Ok(store);
    };
    // PostgreSQL: the master key from --key-file or VIGIL_MASTER_KEY (a passphrase
    // keeps its salt in the evidence directory).
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let source = keys::choose(db.key_file.as_deref(), demo);
    let master = keys::load(&source, &dir, true)?;
    Ok(store.with_evidence(EvidenceFiles::new(
        dir,
        keys::subkey(&master, vigil_store::evidence::EVIDENCE_LABEL),
        max,
    )))
}

fn read_new_password(prompt: &str) -> anyhow::Result<Zeroizing<String>> {
    if let Ok(p) = std::env::var("VIGIL_NEW_PASSWORD") {
        return Ok(Zeroizing::new(p));
    }
    let a = Zeroizing::new(rpassword::prompt_password(prompt)?);
    let b = Zeroizing::new(rpassword::prompt_password("Again: ")?);
    if a != b {
        bail!("the passwords differ");
    }
    Ok(a)
}

async fn admin_actor(store: &Store, username: Option<&str>) -> anyhow::Result<Actor> {
    let users = store.users().await?;
    let user = match username {
        Some(u) => users
            .iter()
            .find(|x| x.username == u)
            .with_context(|| format!("no user {u}"))?,
        None => users
            .iter()
            .find(|u| u.role == Role::Admin && !u.disabled)
            .context("no administrator exists; run `vigil init` first")?,
    };
    Ok(Actor::from(user))
}

fn random_password() -> Zeroizing<String> {
    // 20 characters from an unambiguous alphabet.
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rngs::OsRng;
    Zeroizing::new(
        (0..20)
            .map(|_| {
                char::from(
                    ALPHABET
                        .get(rng.gen_range(0..ALPHABET.len()))
                        .copied()
                        .unwrap_or(b'x'),
                )
            })
            .collect(),
    )
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve {
            db,
            listen,
            demo,
            secure_cookies,
            auth,
            evidence,
            smtp,
            reminders_at,
        } => {
            let reminders = reminders_at.map(|at| (smtp, at));
            serve(db, listen, demo, secure_cookies, auth, evidence, reminders).await
        }
        Command::Reminders { command } => crate::reminders::command(command).await,
        Command::Lockdown { db } => crate::signin::lockdown(&db).await,
        Command::Init { db, admin } => {
            if let Some(d) = &db.data {
                if d.join(DB_FILE).exists() {
                    bail!("{} already holds a Vigil database", d.display());
                }
            }
            let store = open_store(&db, false, true).await?;
            if store.user_count().await? > 0 {
                bail!("this database already has users");
            }
            let password = read_new_password(&format!("Password for {admin}: "))?;
            let audit = user_created_by_cli(&admin, Role::Admin);
            let user = store
                .create_user(
                    NewUser {
                        username: admin,
                        password,
                        role: Role::Admin,
                        display_name: String::new(),
                        language: String::new(),
                    },
                    audit,
                )
                .await
                .map_err(explain)?;
            println!("Vigil is set up. Administrator: {}", user.username);
            let mut how = String::from("vigil serve");
            if let Some(d) = &db.data {
                how.push_str(&format!(" --data {}", d.display()));
            }
            if let Some(k) = &db.key_file {
                how.push_str(&format!(" --key-file {}", k.display()));
            }
            if let Some(u) = &db.database_url {
                how.push_str(&format!(
                    " --database-url {}",
                    vigil_store::backend::redact_db_url(u)
                ));
            }
            println!("Serve it with: {how}");
            store.close().await;
            Ok(ExitCode::SUCCESS)
        }
        Command::User { command } => user_command(command).await,
        Command::Audit { command } => audit_command(command).await,
        Command::Stats(args) => crate::stats::stats(*args).await,
        Command::Indicator { command } => crate::stats::indicator(command).await,
        Command::Release { command } => crate::releases::command(command).await,
        Command::Resolutions { command } => crate::resolutions::command(command).await,
        Command::Key { command } => crate::rotate::command(command).await,
        Command::Compartment { command } => crate::compartments::command(command).await,
        Command::Backup {
            command,
            db,
            evidence_dir,
            out,
        } => backup_command(command, db, evidence_dir, out).await,
        Command::Restore {
            input,
            data,
            database_url,
            evidence_dir,
            key_file,
        } => {
            let source = keys::choose(key_file.as_deref(), false);
            let key = key_file
                .map(|k| format!(" --key-file {}", k.display()))
                .unwrap_or_default();
            let (Some(data), None) = (data, &database_url) else {
                let url = database_url.context("pass --data DIR or --database-url URL")?;
                let r = crate::backup::restore_postgres_with(
                    &input,
                    &url,
                    evidence_dir.as_deref(),
                    &source,
                )
                .await?;
                print!("{}", r.manifest.summary());
                let shown = vigil_store::backend::redact_db_url(&url);
                let evidence = evidence_dir
                    .map(|d| format!(" --evidence-dir {}", d.display()))
                    .unwrap_or_default();
                println!(
                    "Verified and restored into {shown}: {} tables, {} rows, {} evidence files; audit chain intact ({} entries). Serve it with: vigil serve --database-url {shown}{evidence}{key}",
                    r.load.tables, r.load.rows, r.evidence_files, r.load.audit_entries
                );
                return Ok(ExitCode::SUCCESS);
            };
            let m = crate::backup::restore_data_dir(&input, &data, &source).await?;
            print!("{}", m.summary());
            println!(
                "Verified and restored into {}. Serve it with: vigil serve --data {}{key}",
                data.display(),
                data.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Import {
            db,
            mapping,
            encoding,
            dry_run,
            add_unknown_terms,
            as_user,
            compartment,
            file,
        } => {
            let store = open_store(&db, false, false).await?;
            let actor = admin_actor(&store, as_user.as_deref()).await?;
            let mut access = Access::new(store.clone(), actor);
            if let Some(name) = compartment {
                let c = store
                    .compartment_by_name(&name)
                    .await
                    .map_err(|_| anyhow::anyhow!("no compartment {name}"))?;
                access = access.in_compartment(c.id);
            }
            let opts = crate::import::ImportOptions {
                mapping,
                file,
                encoding: match encoding {
                    EncodingArg::Utf8 => crate::import::Encoding::Utf8,
                    EncodingArg::Latin1 => crate::import::Encoding::Latin1,
                },
                dry_run,
                add_unknown_terms,
                progress: std::io::stderr().is_terminal(),
            };
            let report = crate::import::run(&access, &opts).await?;
            store.close().await;
            print!("{report}");
            Ok(if report.rejected.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(2)
            })
        }
        Command::Demo {
            db,
            incidents,
            seed,
            scale,
            csv,
        } => {
            if let Some(csv) = csv {
                let map = csv.with_extension("toml");
                crate::demo::write_scale_csv(&csv, &map, incidents, seed)?;
                println!(
                    "Wrote {incidents} incidents to {} and the mapping to {}; import them with: vigil import --data DIR --map {} {}",
                    csv.display(),
                    map.display(),
                    map.display(),
                    csv.display()
                );
                return Ok(ExitCode::SUCCESS);
            }
            let store = open_store(&db, db.data.is_none(), true).await?;
            let actor = ensure_demo_admin(&store).await?.0;
            if scale || incidents > crate::demo::CURATED_LIMIT {
                let started = std::time::Instant::now();
                let report = crate::demo::seed_scale(
                    &Access::new(store.clone(), actor),
                    incidents,
                    seed,
                    std::io::stderr().is_terminal(),
                )
                .await?;
                print!("{report}");
                println!("in {:.1} s", started.elapsed().as_secs_f64());
                store.close().await;
                return Ok(ExitCode::SUCCESS);
            }
            let summary = crate::demo::seed(
                &Access::new(store.clone(), actor),
                &crate::demo::DemoOptions { incidents, seed },
            )
            .await?;
            println!(
                "Added {} incidents, {} persons, {} groups.",
                summary.incidents, summary.persons, summary.groups
            );
            store.close().await;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn explain(e: vigil_store::StoreError) -> anyhow::Error {
    match e {
        vigil_store::StoreError::Invalid(errs) => anyhow::anyhow!("invalid: {errs}"),
        other => anyhow::anyhow!(other),
    }
}

async fn backup_command(
    cmd: Option<BackupCommand>,
    db: DbArgs,
    evidence_dir: Option<PathBuf>,
    out: Option<PathBuf>,
) -> anyhow::Result<ExitCode> {
    if let Some(BackupCommand::Verify { input, key_file }) = cmd {
        let source = keys::choose(key_file.as_deref(), false);
        let m = crate::backup::verify_file(&input, &source).await?;
        print!("{}", m.summary());
        println!("{}: every chunk and every entry verified.", input.display());
        return Ok(ExitCode::SUCCESS);
    }
    let source = keys::choose(db.key_file.as_deref(), false);
    if let Some(url) = &db.database_url {
        if db.data.is_some() {
            bail!("give either --data or --database-url, not both");
        }
        let out = out.context("pass --out FILE: where to write the backup")?;
        let m = crate::backup::backup_postgres(url, evidence_dir.as_deref(), &source, &out).await?;
        print!("{}", m.summary());
        println!("{} written and verified.", out.display());
        return Ok(ExitCode::SUCCESS);
    }
    let data = db
        .data
        .context("pass --data DIR or --database-url URL: what to back up")?;
    if let Some(e) = &evidence_dir {
        let inside = data.join(vigil_store::evidence::DIR_NAME);
        let same = match (e.canonicalize(), inside.canonicalize()) {
            (Ok(a), Ok(b)) => a == b,
            _ => *e == inside,
        };
        if !same {
            bail!(
                "with --data the backup archives the evidence files in {}; an --evidence-dir elsewhere is not supported",
                inside.display()
            );
        }
    }
    let out = out.context("pass --out FILE: where to write the backup")?;
    let m = crate::backup::backup_data_dir(&data, &source, &out).await?;
    print!("{}", m.summary());
    println!("{} written and verified.", out.display());
    Ok(ExitCode::SUCCESS)
}

async fn user_command(cmd: UserCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        UserCommand::Add {
            db,
            username,
            role,
            name,
        } => {
            let store = open_store(&db, false, false).await?;
            let password = read_new_password(&format!("Password for {username}: "))?;
            let audit = user_created_by_cli(&username, role);
            let u = store
                .create_user(
                    NewUser {
                        username,
                        password,
                        role,
                        display_name: name,
                        language: String::new(),
                    },
                    audit,
                )
                .await
                .map_err(explain)?;
            println!("Added {} ({})", u.username, u.role);
            store.close().await;
        }
        UserCommand::List { db } => {
            let store = open_store(&db, false, false).await?;
            println!("{:<24} {:<20} {:<9} created", "username", "role", "status");
            for u in store.users().await? {
                println!(
                    "{:<24} {:<20} {:<9} {}",
                    u.username,
                    u.role.code(),
                    if u.disabled { "disabled" } else { "active" },
                    u.created_at.format("%Y-%m-%d")
                );
            }
            store.close().await;
        }
        UserCommand::Disable { db, username } => {
            let store = open_store(&db, false, false).await?;
            let u = store
                .user_by_name(&username)
                .await
                .map_err(|_| anyhow::anyhow!("no user {username}"))?;
            let audit = AuditEntry::new(Action::UserDisable, "user").cli();
            store.set_user_disabled(u.id, true, Some(audit)).await?;
            println!(
                "Disabled {}; their sessions and API tokens are revoked.",
                u.username
            );
            store.close().await;
        }
        UserCommand::Email {
            db,
            username,
            address,
        } => {
            let store = open_store(&db, false, false).await?;
            let u = store
                .user_by_name(&username)
                .await
                .map_err(|_| anyhow::anyhow!("no user {username}"))?;
            let audit = AuditEntry::new(Action::Update, "user").cli();
            store
                .set_user_email(u.id, &address, Some(audit))
                .await
                .map_err(explain)?;
            if address.trim().is_empty() {
                println!(
                    "{} has no e-mail address now: no reminder digests.",
                    u.username
                );
            } else {
                println!(
                    "{} receives reminder digests at the address given.",
                    u.username
                );
            }
            store.close().await;
        }
        UserCommand::Reset2fa { db, username } => {
            return crate::signin::reset_two_factor(&db, &username).await;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The audit entry for an account created from the command line.
fn user_created_by_cli(username: &str, role: Role) -> Option<AuditEntry> {
    Some(
        AuditEntry::new(Action::UserCreate, "user")
            .cli()
            .with("username", username.trim().to_lowercase())
            .with("role", role.code()),
    )
}

async fn audit_command(cmd: AuditCommand) -> anyhow::Result<ExitCode> {
    let AuditCommand::Verify { db } = cmd;
    let store = open_store(&db, false, false).await?;
    let report = store.verify_audit().await?;
    store.close().await;
    match report.broken {
        None => {
            println!("audit chain intact: {} entries", report.entries);
            // Kept elsewhere, the head hash also reveals a log rewritten from end to end.
            println!("head: {} (entry {})", report.head_hash, report.head_seq);
            Ok(ExitCode::SUCCESS)
        }
        Some(b) => {
            println!("audit chain BROKEN at entry {}: {}", b.seq, b.problem);
            println!("({} entries in the log)", report.entries);
            Ok(ExitCode::from(2))
        }
    }
}

/// The demo administrator: created on first start; its password is renewed and
/// printed at every demo start, so no password is ever stored in clear.
async fn ensure_demo_admin(store: &Store) -> anyhow::Result<(Actor, Option<Zeroizing<String>>)> {
    let found = demo_admin(store).await?;
    crate::compartments::demo_compartments(store, found.0.user_id).await?;
    Ok(found)
}

async fn demo_admin(store: &Store) -> anyhow::Result<(Actor, Option<Zeroizing<String>>)> {
    let password = random_password();
    match store.user_by_name("admin").await {
        Ok(u) => Ok((Actor::from(&u), None)),
        Err(_) => {
            let u = store
                .create_user(
                    NewUser {
                        username: "admin".into(),
                        password: password.clone(),
                        role: Role::Admin,
                        display_name: "Demo administrator".into(),
                        language: String::new(),
                    },
                    user_created_by_cli("admin", Role::Admin),
                )
                .await
                .map_err(explain)?;
            Ok((Actor::from(&u), Some(password)))
        }
    }
}

async fn serve(
    db: DbArgs,
    listen: String,
    demo: bool,
    secure_cookies: bool,
    auth: crate::signin::AuthArgs,
    evidence: EvidenceArgs,
    reminders: Option<(crate::reminders::SmtpArgs, chrono::NaiveTime)>,
) -> anyhow::Result<ExitCode> {
    let started = std::time::Instant::now();
    // Checked before anything starts: a misconfigured mailer fails loudly here.
    let reminders = match reminders {
        Some((smtp, at)) => {
            let Some(mailer) = crate::reminders::Mailer::from_args(&smtp)? else {
                bail!("--reminders-at needs --smtp-server (VIGIL_SMTP_SERVER)");
            };
            let Some(base) = auth.public_url.clone() else {
                bail!("--reminders-at needs --public-url: the digests link to the actions");
            };
            Some((mailer, at, base))
        }
        None => None,
    };
    let policy = auth.calibrated_policy(demo).await?;
    let store = open_store(&db, demo, demo).await?.with_auth_policy(policy);
    let store = configure_evidence(store, &db, &evidence, demo)?;
    let mut demo_login = None;
    if demo {
        let (actor, _) = ensure_demo_admin(&store).await?;
        let (incidents, _, _) = store.counts().await?;
        if incidents == 0 {
            eprintln!("Generating demo records…");
            let s = crate::demo::seed(
                &Access::new(store.clone(), actor.clone()),
                &crate::demo::DemoOptions {
                    incidents: 300,
                    seed: 2017,
                },
            )
            .await?;
            eprintln!(
                "Demo data: {} incidents, {} persons, {} groups.",
                s.incidents, s.persons, s.groups
            );
        }
        let password = random_password();
        store
            .reset_password(actor.user_id, password.clone())
            .await
            .map_err(explain)?;
        demo_login = Some((actor.username, password));
    }
    let app = vigil_web::router(
        store.clone(),
        vigil_web::WebConfig {
            secure_cookies,
            demo,
            trusted_proxy: auth.trusted_proxy,
            // Checked when parsed (`signin::AuthArgs`).
            public_url: auth
                .public_url
                .as_deref()
                .and_then(|u| url::Url::parse(u).ok()),
        },
    );
    if let Some((mailer, at, base)) = reminders {
        crate::reminders::spawn_daily(store.clone(), mailer, at, base);
        println!("Reminder digests: daily after {} UTC.", at.format("%H:%M"));
    }
    let listener = tokio::net::TcpListener::bind(&listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let addr = listener.local_addr()?;
    println!(
        "Vigil is listening on http://{addr}/ (ready in {} ms)",
        started.elapsed().as_millis()
    );
    println!("{}", crate::signin::summary(store.auth_policy(), demo));
    if let Some((user, password)) = &demo_login {
        let dir = db.data.clone().unwrap_or_else(|| PathBuf::from(DEMO_DIR));
        println!("DEMO MODE: synthetic data in {}; its key is kept in {} (never do this with real data).", dir.display(), dir.join(keys::DEMO_KEY_FILE).display());
        println!(
            "Log in at http://{addr}/login as {user} with password {}",
            password.as_str()
        );
        println!("(the demo password is new at every start)");
    }
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown())
    .await?;
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
