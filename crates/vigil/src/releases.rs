//! `vigil release create|list|show|revise|publish`: versioned releases (issue 5 point 6) on the command
//! line, with the options of `vigil stats` and `vigil indicator sdg-16-10-1`.
//!
//! A release is authored: `create` runs as a user who may publish releases (`--as`,
//! an analyst or administrator), counts over what they may count, and is audited under
//! their name, exactly as from the page or the API. `list` and `show` read the database
//! directly (the operator holds the key); `show` prints the published form (what the
//! public sees) unless `--raw` asks for the counts before disclosure control too.

use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};

use vigil_domain::release::{Release, ReleaseInput, ReleaseQuery};
use vigil_domain::stats::SdgParams;
use vigil_store::{Access, Actor, Store};
use vigil_web::i18n::I18n;
use vigil_web::release_report;
use vigil_web::stats_report::{text_table, StatsLabels};

use crate::cli::{open_store, DbArgs};
use crate::stats::{Format, StatsArgs};

#[derive(Subcommand, Debug)]
pub enum ReleaseCommand {
    /// Freeze figures as a new release (not published): a statistics query (the
    /// options of `vigil stats`), or with `--sdg` SDG 16.10.1 for `--from` (a month).
    Create(Box<CreateArgs>),
    /// Every release and revision.
    List {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Correct a release: count its query again as the next revision, with a reason.
    Revise {
        #[command(flatten)]
        db: DbArgs,
        id: i64,
        /// Why (published with the figures).
        #[arg(long)]
        reason: String,
        /// A new methodology text (default: the previous one).
        #[arg(long, default_value = "")]
        methodology: String,
        /// The analyst or administrator making the correction.
        #[arg(long = "as")]
        as_user: String,
    },
    /// Publish a release on /public/releases (or withdraw it with --withdraw).
    Publish {
        #[command(flatten)]
        db: DbArgs,
        id: i64,
        #[arg(long)]
        withdraw: bool,
        /// The analyst or administrator publishing it.
        #[arg(long = "as")]
        as_user: String,
    },
    /// One release as published (tables after disclosure control, methodology).
    Show {
        #[command(flatten)]
        db: DbArgs,
        id: i64,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        #[arg(long, default_value = "en")]
        lang: String,
        /// Also the raw counts (never published).
        #[arg(long)]
        raw: bool,
    },
}

#[derive(Args, Debug)]
pub struct CreateArgs {
    /// Title of the release.
    #[arg(long)]
    pub title: String,
    /// Methodology text shown with the figures.
    #[arg(long, conflicts_with = "methodology_file")]
    pub methodology: Option<String>,
    /// Methodology text from a file.
    #[arg(long)]
    pub methodology_file: Option<std::path::PathBuf>,
    /// Disclosure threshold: counts 1..threshold-1 are hidden (default 5).
    #[arg(long)]
    pub threshold: Option<String>,
    /// SDG indicator 16.10.1 for the 12 months from --from (and --to, --country).
    #[arg(long)]
    pub sdg: bool,
    #[command(flatten)]
    pub stats: StatsArgs,
}

fn invalid(e: vigil_domain::validate::FieldErrors) -> anyhow::Error {
    let t = I18n::new("en");
    let parts: Vec<String> =
        e.0.iter()
            .map(|x| format!("--{}: {}", x.field.replace('_', "-"), t.error(x)))
            .collect();
    anyhow::anyhow!("invalid release: {}", parts.join("; "))
}

fn store_err(e: vigil_store::StoreError) -> anyhow::Error {
    match e {
        vigil_store::StoreError::Invalid(f) => invalid(f),
        vigil_store::StoreError::Forbidden => {
            anyhow::anyhow!(
                "--as: this user may not publish releases (analysts and administrators may)"
            )
        }
        other => other.into(),
    }
}

pub async fn command(c: ReleaseCommand) -> anyhow::Result<ExitCode> {
    match c {
        ReleaseCommand::Create(a) => create(*a).await,
        ReleaseCommand::List { db, format } => {
            let store = open_store(&db, false, false).await?;
            let r = store.releases().await;
            store.close().await;
            print!("{}", list_text(&r?, format)?);
            Ok(ExitCode::SUCCESS)
        }
        ReleaseCommand::Revise {
            db,
            id,
            reason,
            methodology,
            as_user,
        } => {
            let store = open_store(&db, false, false).await?;
            let r = async {
                let a = as_user_access(&store, &as_user).await?;
                let new = a
                    .revise_release(id, &reason, &methodology)
                    .await
                    .map_err(store_err)?;
                anyhow::Ok(format!(
                    "release {new} frozen as the next revision of {id} (not published)\n"
                ))
            }
            .await;
            store.close().await;
            print!("{}", r?);
            Ok(ExitCode::SUCCESS)
        }
        ReleaseCommand::Publish {
            db,
            id,
            withdraw,
            as_user,
        } => {
            let store = open_store(&db, false, false).await?;
            let r = async {
                let a = as_user_access(&store, &as_user).await?;
                a.publish_release(id, !withdraw).await.map_err(store_err)?;
                anyhow::Ok(if withdraw {
                    format!("release {id} withdrawn\n")
                } else {
                    format!("release {id} published\n")
                })
            }
            .await;
            store.close().await;
            print!("{}", r?);
            Ok(ExitCode::SUCCESS)
        }
        ReleaseCommand::Show {
            db,
            id,
            format,
            lang,
            raw,
        } => {
            let lang = match lang.as_str() {
                "en" => "en",
                "es" => "es",
                other => anyhow::bail!("--lang: unknown language {other:?} (en or es)"),
            };
            let store = open_store(&db, false, false).await?;
            let r = show(&store, id, format, lang, raw).await;
            store.close().await;
            print!("{}", r?);
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn create(a: CreateArgs) -> anyhow::Result<ExitCode> {
    if a.stats.rates {
        anyhow::bail!("--rates: a release freezes counts, not rates");
    }
    let name = a
        .stats
        .as_user
        .clone()
        .context("--as USER: a release is frozen by an analyst or administrator")?;
    let methodology = match (&a.methodology, &a.methodology_file) {
        (Some(m), _) => m.clone(),
        (None, Some(f)) => std::fs::read_to_string(f)
            .with_context(|| format!("--methodology-file {}", f.display()))?,
        (None, None) => anyhow::bail!("--methodology or --methodology-file: required"),
    };
    let s = |o: &Option<String>| o.clone().unwrap_or_default();
    let input = ReleaseInput {
        title: a.title.clone(),
        kind: if a.sdg { "sdg_16_10_1" } else { "statistics" }.into(),
        methodology,
        threshold: s(&a.threshold),
        query: if a.sdg {
            ReleaseQuery {
                sdg: SdgParams {
                    from: s(&a.stats.from),
                    to: s(&a.stats.to),
                    country: s(&a.stats.country),
                },
                ..Default::default()
            }
        } else {
            ReleaseQuery {
                stats: a.stats.params()?,
                ..Default::default()
            }
        },
    };
    let store = open_store(&a.stats.db, false, false).await?;
    let r = async {
        let access = as_user_access(&store, &name).await?;
        let id = access.create_release(&input).await.map_err(store_err)?;
        let rel = access.release(id).await.map_err(store_err)?;
        anyhow::Ok(format!(
            "release {id} frozen (revision {}, not published)\n",
            rel.revision
        ))
    }
    .await;
    store.close().await;
    print!("{}", r?);
    Ok(ExitCode::SUCCESS)
}

/// The view of the store of the user named by `--as`.
async fn as_user_access(store: &Store, name: &str) -> anyhow::Result<Access> {
    let users = store.users().await?;
    let u = users
        .iter()
        .find(|u| u.username == name)
        .with_context(|| format!("--as: no user {name}"))?;
    Ok(Access::new(store.clone(), Actor::from(u)))
}

fn list_text(list: &[Release], format: Format) -> anyhow::Result<String> {
    Ok(match format {
        Format::Json => format!("{}\n", serde_json::to_string_pretty(list)?),
        Format::Csv | Format::Table => {
            let mut rows = vec![vec![
                "id".to_owned(),
                "series".into(),
                "revision".into(),
                "kind".into(),
                "frozen_on".into(),
                "published".into(),
                "title".into(),
            ]];
            for r in list {
                rows.push(vec![
                    r.id.to_string(),
                    r.series_id.to_string(),
                    r.revision.to_string(),
                    r.kind.code().into(),
                    r.frozen_on.to_string(),
                    r.published_at
                        .map(|t| t.date_naive().to_string())
                        .unwrap_or_else(|| "no".into()),
                    r.title.clone(),
                ]);
            }
            if format == Format::Csv {
                let mut w = csv::Writer::from_writer(Vec::new());
                for r in rows {
                    w.write_record(&r)?;
                }
                String::from_utf8(w.into_inner()?)?
            } else {
                format!("{}\n", text_table(&rows))
            }
        }
    })
}

async fn show(
    store: &Store,
    id: i64,
    format: Format,
    lang: &'static str,
    raw: bool,
) -> anyhow::Result<String> {
    let mut rel = store.release(id).await?;
    if !raw {
        rel.raw.clear();
    }
    if format == Format::Json {
        return Ok(format!("{}\n", serde_json::to_string_pretty(&rel)?));
    }
    let series: Vec<_> = store
        .release_series(rel.series_id)
        .await?
        .iter()
        .map(Release::preview)
        .collect();
    let labels = StatsLabels::new(I18n::new(lang), store.vocabularies().await?);
    let v = release_report::report(&labels, &rel.preview(), &series);
    let mut out = release_report::report_text(&v);
    if raw {
        out.push_str(&format!("\n{}\n", labels.t.get("release-raw")));
        for t in release_report::raw_views(&labels, &rel) {
            let mut rows = vec![std::iter::once(t.first.clone())
                .chain(t.head.iter().cloned())
                .collect::<Vec<_>>()];
            for l in t.lines.iter().chain(std::iter::once(&t.foot)) {
                rows.push(
                    std::iter::once(l.label.clone())
                        .chain(l.cells.iter().cloned())
                        .collect(),
                );
            }
            out.push_str(&format!("{}\n{}\n", t.title, text_table(&rows)));
        }
    }
    Ok(out)
}
