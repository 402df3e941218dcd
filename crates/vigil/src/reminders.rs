//! Reminder digests over SMTP (issue 6 point 4): `vigil reminders send --today DATE`
//! (for cron) and, optionally, a daily run inside `vigil serve --reminders-at HH:MM`.
//!
//! Each enabled user who may manage cases and has an e-mail address gets at most one
//! digest a day listing their actions due within `DUE_SOON_DAYS` or overdue, in the
//! cases they may see. The digest names no defender: case number, subject code,
//! action type, due date and a link only (see `vigil_domain::reminder`). Every send is
//! recorded (table `reminder_digests`, and an `export` entry `reminder_digest` in the
//! audit log); a second run the same day sends nothing unless `--force`. The SMTP
//! password is a secret: never printed, never logged; neither are addresses.

use std::time::Duration;

use anyhow::{bail, Context};
use chrono::NaiveDate;
use clap::{Args, Subcommand, ValueEnum};
use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use zeroize::Zeroizing;

use vigil_domain::reminder::DigestItem;
use vigil_domain::Permission;
use vigil_store::audit::{Action, AuditEntry};
use vigil_store::{Access, Actor, Store};
use vigil_web::i18n::I18n;

/// How the SMTP connection is protected.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// Plain SMTP, no encryption: only for a relay on the same host or network.
    None,
    /// SMTP upgraded with STARTTLS, required (port 587 by default).
    Starttls,
    /// SMTP inside TLS from the first byte (port 465 by default).
    Tls,
}

/// The mail server settings (flags or environment variables).
#[derive(Args, Clone)]
pub struct SmtpArgs {
    /// SMTP server host name. Without it no digest is sent.
    #[arg(long, env = "VIGIL_SMTP_SERVER")]
    pub smtp_server: Option<String>,
    /// Port (default: 25 with --smtp-tls none, 587 with starttls, 465 with tls).
    #[arg(long, env = "VIGIL_SMTP_PORT")]
    pub smtp_port: Option<u16>,
    /// Sender address, e.g. "Vigil <vigil@example.org>".
    #[arg(long, env = "VIGIL_SMTP_FROM")]
    pub smtp_from: Option<String>,
    #[arg(long, env = "VIGIL_SMTP_TLS", value_enum, default_value_t = TlsMode::Starttls)]
    pub smtp_tls: TlsMode,
    /// User name for SMTP authentication (with --smtp-password).
    #[arg(long, env = "VIGIL_SMTP_USER")]
    pub smtp_user: Option<String>,
    /// Password for SMTP authentication. Prefer the environment variable to the flag
    /// (a flag shows in the process list).
    #[arg(long, env = "VIGIL_SMTP_PASSWORD", hide_env_values = true)]
    pub smtp_password: Option<String>,
}

impl std::fmt::Debug for SmtpArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpArgs")
            .field("smtp_server", &self.smtp_server)
            .field("smtp_port", &self.smtp_port)
            .field("smtp_tls", &self.smtp_tls)
            .field("smtp_user", &self.smtp_user.as_ref().map(|_| "***"))
            .field("smtp_password", &self.smtp_password.as_ref().map(|_| "***"))
            .finish()
    }
}

#[derive(Subcommand, Debug)]
pub enum RemindersCommand {
    /// Send today's digests (once per user and day; run it from cron).
    Send {
        #[command(flatten)]
        db: crate::cli::DbArgs,
        #[command(flatten)]
        smtp: SmtpArgs,
        /// The day the digests are for (YYYY-MM-DD); default: today (UTC).
        #[arg(long)]
        today: Option<NaiveDate>,
        /// The address users reach Vigil at, for the links in the digest.
        #[arg(long, env = "VIGIL_PUBLIC_URL", value_name = "URL")]
        public_url: String,
        /// Send again to users who already got today's digest.
        #[arg(long)]
        force: bool,
    },
}

/// A configured SMTP sender.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("from", &self.from.email.to_string())
            .finish()
    }
}

impl Mailer {
    /// The sender the settings describe; `None` when no server is set.
    pub fn from_args(args: &SmtpArgs) -> anyhow::Result<Option<Mailer>> {
        let Some(server) = args
            .smtp_server
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        else {
            return Ok(None);
        };
        let from: Mailbox = args
            .smtp_from
            .as_deref()
            .context("--smtp-from (VIGIL_SMTP_FROM) is needed to send digests")?
            .parse()
            .context("--smtp-from is not an address")?;
        let builder = match args.smtp_tls {
            TlsMode::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(server),
            TlsMode::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(server)
                .context("--smtp-server")?,
            TlsMode::Tls => {
                AsyncSmtpTransport::<Tokio1Executor>::relay(server).context("--smtp-server")?
            }
        };
        let port = args.smtp_port.unwrap_or(match args.smtp_tls {
            TlsMode::None => 25,
            TlsMode::Starttls => 587,
            TlsMode::Tls => 465,
        });
        let mut builder = builder.port(port).timeout(Some(Duration::from_secs(30)));
        match (&args.smtp_user, &args.smtp_password) {
            (Some(u), Some(p)) => {
                let p = Zeroizing::new(p.clone());
                builder = builder.credentials(Credentials::new(u.clone(), p.to_string()));
            }
            (None, None) => {}
            _ => {
                bail!("give both --smtp-user and --smtp-password (VIGIL_SMTP_PASSWORD), or neither")
            }
        }
        Ok(Some(Mailer {
            transport: builder.build(),
            from,
        }))
    }

    async fn send(&self, to: &str, subject: &str, body: String) -> anyhow::Result<()> {
        let to: Mailbox = to.parse().context("the recipient's address")?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body)?;
        self.transport.send(message).await?;
        Ok(())
    }
}

/// The digest's subject and plain-text body, in the user's language.
pub fn compose(
    t: &I18n,
    items: &[DigestItem],
    today: NaiveDate,
    base_url: &str,
) -> (String, String) {
    let subject = t.n("digest-subject", items.len() as i64);
    let mut body = t.arg("digest-intro", &today.format("%Y-%m-%d").to_string());
    body.push_str("\n\n");
    for i in items {
        let when = if i.overdue() {
            t.n("digest-overdue", i.days_late)
        } else if i.days_late == 0 {
            t.get("digest-due-today")
        } else {
            t.n("digest-due-in", -i.days_late)
        };
        body.push_str(&format!(
            "- {} {} · {} · {} · {} · {}\n  {base_url}/cases/actions/{}/edit\n",
            t.get("digest-case"),
            i.case_id,
            i.subject_code,
            t.code("action-kind", i.kind.code()),
            i.due_on.format("%Y-%m-%d"),
            when,
            i.action_id,
        ));
    }
    body.push('\n');
    body.push_str(&t.get("digest-footer"));
    body.push('\n');
    (subject, body)
}

/// What a run did, per username.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SendReport {
    /// (username, number of actions listed).
    pub sent: Vec<(String, usize)>,
    /// Already got today's digest.
    pub already: Vec<String>,
    /// Nothing due or overdue.
    pub nothing_due: Vec<String>,
    /// May manage cases but has no address.
    pub no_address: Vec<String>,
    /// (username, why): the digest did not go out; it is tried again on the next run.
    pub failed: Vec<(String, String)>,
}

impl std::fmt::Display for SendReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (u, n) in &self.sent {
            writeln!(f, "sent      {u}: {n} action(s)")?;
        }
        for u in &self.already {
            writeln!(
                f,
                "skipped   {u}: already sent today (--force to send again)"
            )?;
        }
        for u in &self.nothing_due {
            writeln!(f, "skipped   {u}: nothing due")?;
        }
        for u in &self.no_address {
            writeln!(f, "skipped   {u}: no e-mail address")?;
        }
        for (u, why) in &self.failed {
            writeln!(f, "FAILED    {u}: {why}")?;
        }
        Ok(())
    }
}

/// Send the digests for `today`. `base_url` (no trailing slash) makes the links.
pub async fn send_digests(
    store: &Store,
    mailer: &Mailer,
    today: NaiveDate,
    base_url: &str,
    force: bool,
) -> anyhow::Result<SendReport> {
    let base_url = base_url.trim_end_matches('/');
    let emails: std::collections::HashMap<_, _> = store.user_emails().await?.into_iter().collect();
    let mut report = SendReport::default();
    for user in store.users().await? {
        if user.disabled || !user.role.can(Permission::ManageCases) {
            continue;
        }
        let name = user.username.clone();
        let Some(to) = emails.get(&user.id).filter(|e| !e.is_empty()) else {
            report.no_address.push(name);
            continue;
        };
        if !force && store.digest_sent(user.id, today).await?.is_some() {
            report.already.push(name);
            continue;
        }
        let access = Access::new(store.clone(), Actor::from(&user));
        let items = access.digest_actions(today).await?;
        if items.is_empty() {
            report.nothing_due.push(name);
            continue;
        }
        let t = I18n::new(if user.language == "es" { "es" } else { "en" });
        let (subject, body) = compose(&t, &items, today, base_url);
        if let Err(e) = mailer.send(to, &subject, body).await {
            tracing::warn!(user = %name, error = %e, "reminder digest not sent");
            report.failed.push((name, e.to_string()));
            continue;
        }
        let ids: Vec<_> = items.iter().map(|i| i.action_id).collect();
        let audit = AuditEntry::new(Action::Export, "reminder_digest")
            .cli()
            .with("forced", force);
        store.record_digest(user.id, today, &ids, audit).await?;
        tracing::info!(user = %name, actions = ids.len(), "reminder digest sent");
        report.sent.push((name, ids.len()));
    }
    Ok(report)
}

pub async fn command(cmd: RemindersCommand) -> anyhow::Result<std::process::ExitCode> {
    let RemindersCommand::Send {
        db,
        smtp,
        today,
        public_url,
        force,
    } = cmd;
    let base = vigil_web::parse_public_url(&public_url).map_err(anyhow::Error::msg)?;
    let Some(mailer) = Mailer::from_args(&smtp)? else {
        bail!("no mail server: pass --smtp-server (VIGIL_SMTP_SERVER)");
    };
    let store = crate::cli::open_store(&db, false, false).await?;
    let today = today.unwrap_or_else(|| store.clock().now().date_naive());
    let report = send_digests(&store, &mailer, today, base.as_str(), force).await;
    store.close().await;
    let report = report?;
    print!("{report}");
    Ok(if report.failed.is_empty() {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::from(2)
    })
}

/// `vigil serve --reminders-at HH:MM`: once the UTC time of day has passed `at`, send
/// the day's digests (checked every minute; the per-day record keeps it to one).
pub fn spawn_daily(store: Store, mailer: Mailer, at: chrono::NaiveTime, base_url: String) {
    tokio::spawn(async move {
        let mut done: Option<NaiveDate> = None;
        loop {
            let now = store.clock().now();
            let today = now.date_naive();
            if now.time() >= at && done != Some(today) {
                match send_digests(&store, &mailer, today, &base_url, false).await {
                    Ok(r) => {
                        // Failed sends are tried again at the next check.
                        if r.failed.is_empty() {
                            done = Some(today);
                        }
                    }
                    Err(e) => tracing::error!(error = %e, "reminder digests"),
                }
            }
            tokio::time::sleep(Duration::from_secs(60)).await;
        }
    });
}
