//! `vigil resolutions …` (issue 7): import roll-call votes, resolution lists and
//! sponsor lists; list and show resolutions; a state's scorecard and the sponsor
//! comparison. Everything runs as a user (`--as`, default the first administrator)
//! through `Access`: the same permission checks, audit entries and compartment-checked
//! counts as the web.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Subcommand, ValueEnum};

use vigil_domain::country::Countries;
use vigil_domain::Role;
use vigil_store::resolutions::ResolutionFilter;
use vigil_store::{Access, Actor, Store, StoreError};
use vigil_web::i18n::I18n;
use vigil_web::resolution_files::{self, ImportError, ImportOutcome};

use crate::cli::{open_store, DbArgs};

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Csv,
}

#[derive(Subcommand, Debug)]
pub enum ResolutionsCommand {
    /// Import roll-call votes: a roll-call file and a votes file in the layout of the
    /// UN General Assembly voting data set. Re-importing changes nothing.
    Import {
        #[command(flatten)]
        db: DbArgs,
        /// Roll calls: rcid, session, importantvote, date, unres, amend, para, short, descr.
        #[arg(long)]
        rollcalls: PathBuf,
        /// Votes: rcid, country, country_code, vote (1 yes, 2 abstain, 3 no, 8 absent, 9 not a member).
        #[arg(long)]
        votes: PathBuf,
        /// Import as this user (needs the EditResolutions permission).
        #[arg(long = "as")]
        as_user: Option<String>,
    },
    /// Import resolutions adopted without a vote: symbol, title, body, session,
    /// adopted_on, adoption, topics[, main_sponsors, co_sponsors].
    ImportList {
        #[command(flatten)]
        db: DbArgs,
        file: PathBuf,
        #[arg(long = "as")]
        as_user: Option<String>,
    },
    /// Import sponsor lists: symbol, country, role (main or co).
    ImportSponsors {
        #[command(flatten)]
        db: DbArgs,
        file: PathBuf,
        #[arg(long = "as")]
        as_user: Option<String>,
    },
    /// List resolutions, newest first.
    List {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        topic: Option<String>,
        #[arg(long)]
        year: Option<i32>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// One resolution: adoption, tally, sponsors, votes (symbol in any spelling).
    Show {
        #[command(flatten)]
        db: DbArgs,
        symbol: String,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// A state's record on a topic beside the violations documented in its territory.
    Scorecard {
        #[command(flatten)]
        db: DbArgs,
        /// State: name or ISO code.
        #[arg(long)]
        state: String,
        #[arg(long, default_value = "")]
        topic: String,
        #[arg(long)]
        from: Option<i32>,
        #[arg(long)]
        to: Option<i32>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Count as this user (their compartments); default the first administrator.
        #[arg(long = "as")]
        as_user: Option<String>,
    },
    /// Sponsors of a resolution where incidents of a kind were documented in a year
    /// (default: killings, the year after adoption).
    Compare {
        #[command(flatten)]
        db: DbArgs,
        symbol: String,
        #[arg(long)]
        year: Option<i32>,
        /// killing, criminalisation or curtailing.
        #[arg(long, default_value = "killing")]
        verb: String,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        #[arg(long = "as")]
        as_user: Option<String>,
    },
}

async fn access(store: &Store, user: Option<&str>) -> anyhow::Result<Access> {
    let users = store.users().await?;
    let u = match user {
        Some(name) => users
            .iter()
            .find(|u| u.username == name)
            .with_context(|| format!("--as: no user {name}"))?,
        None => users
            .iter()
            .find(|u| u.role == Role::Admin && !u.disabled)
            .context("no administrator exists; run `vigil init` first")?,
    };
    Ok(Access::new(store.clone(), Actor::from(u)))
}

fn read(p: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(p).with_context(|| format!("{}: cannot read", p.display()))
}

fn store_error(e: StoreError) -> anyhow::Error {
    match e {
        StoreError::Invalid(errs) => {
            let t = I18n::new("en");
            let parts: Vec<String> = errs
                .0
                .iter()
                .map(|x| format!("{}: {}", x.field, t.error(x)))
                .collect();
            anyhow::anyhow!("{}", parts.join("; "))
        }
        StoreError::Forbidden => {
            anyhow::anyhow!("not allowed: this user may not change resolutions")
        }
        e => e.into(),
    }
}

/// Print an import's outcome; exit 2 when rows were refused (as `vigil import`).
fn report(r: Result<ImportOutcome, ImportError>) -> anyhow::Result<ExitCode> {
    match r {
        Ok(o) => {
            println!("{o}");
            Ok(ExitCode::SUCCESS)
        }
        Err(ImportError::Rows(list)) => {
            for e in &list {
                println!("{e}");
            }
            println!("{} problems; nothing was imported", list.len());
            Ok(ExitCode::from(2))
        }
        Err(ImportError::Store(e)) => Err(store_error(e)),
    }
}

fn table(rows: &[Vec<String>]) -> String {
    let widths: Vec<usize> = (0..rows.first().map_or(0, Vec::len))
        .map(|i| {
            rows.iter()
                .map(|r| r.get(i).map_or(0, |c| c.chars().count()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for r in rows {
        let line: Vec<String> = r
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    out
}

fn name(alpha2: &str) -> String {
    Countries::get()
        .by_alpha2(alpha2)
        .map(|c| c.name_en.clone())
        .unwrap_or_else(|| alpha2.to_owned())
}

pub async fn command(cmd: ResolutionsCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        ResolutionsCommand::Import {
            db,
            rollcalls,
            votes,
            as_user,
        } => {
            let (calls_bytes, votes_bytes) = (read(&rollcalls)?, read(&votes)?);
            let store = open_store(&db, false, false).await?;
            let a = access(&store, as_user.as_deref()).await;
            let r = match a {
                Ok(a) => {
                    let calls_name = rollcalls.display().to_string();
                    let votes_name = votes.display().to_string();
                    resolution_files::import_roll_calls(
                        &a,
                        (&calls_name, &calls_bytes),
                        (&votes_name, &votes_bytes),
                    )
                    .await
                }
                Err(e) => {
                    store.close().await;
                    return Err(e);
                }
            };
            store.close().await;
            report(r)
        }
        ResolutionsCommand::ImportList { db, file, as_user } => {
            let bytes = read(&file)?;
            let store = open_store(&db, false, false).await?;
            let r = match access(&store, as_user.as_deref()).await {
                Ok(a) => {
                    resolution_files::import_resolution_list(
                        &a,
                        &file.display().to_string(),
                        &bytes,
                    )
                    .await
                }
                Err(e) => {
                    store.close().await;
                    return Err(e);
                }
            };
            store.close().await;
            report(r)
        }
        ResolutionsCommand::ImportSponsors { db, file, as_user } => {
            let bytes = read(&file)?;
            let store = open_store(&db, false, false).await?;
            let r = match access(&store, as_user.as_deref()).await {
                Ok(a) => {
                    resolution_files::import_sponsor_list(&a, &file.display().to_string(), &bytes)
                        .await
                }
                Err(e) => {
                    store.close().await;
                    return Err(e);
                }
            };
            store.close().await;
            report(r)
        }
        ResolutionsCommand::List {
            db,
            topic,
            year,
            format,
        } => {
            let store = open_store(&db, false, false).await?;
            let r = async {
                let a = access(&store, None).await?;
                let list = a
                    .resolutions(&ResolutionFilter {
                        topic: topic.unwrap_or_default(),
                        year,
                    })
                    .await
                    .map_err(store_error)?;
                Ok::<_, anyhow::Error>(match format {
                    Format::Json => format!("{}\n", serde_json::to_string_pretty(&list)?),
                    Format::Table | Format::Csv => {
                        let mut rows = vec![vec![
                            "symbol".to_owned(),
                            "adopted_on".into(),
                            "adoption".into(),
                            "tally".into(),
                            "sponsors".into(),
                            "title".into(),
                        ]];
                        for s in &list {
                            rows.push(vec![
                                s.resolution.symbol.clone(),
                                s.resolution
                                    .adopted_on
                                    .map(|d| d.to_string())
                                    .unwrap_or_default(),
                                s.resolution.adoption.code().into(),
                                s.tally.map(|t| t.record()).unwrap_or_default(),
                                s.sponsors.to_string(),
                                s.resolution.title.clone(),
                            ]);
                        }
                        if format == Format::Csv {
                            csv_of(&rows)
                        } else {
                            table(&rows)
                        }
                    }
                })
            }
            .await;
            store.close().await;
            print!("{}", r?);
            Ok(ExitCode::SUCCESS)
        }
        ResolutionsCommand::Show { db, symbol, format } => {
            let store = open_store(&db, false, false).await?;
            let r = async {
                let a = access(&store, None).await?;
                let id = a
                    .resolution_id(&symbol)
                    .await
                    .map_err(store_error)?
                    .with_context(|| format!("no resolution {symbol}"))?;
                let f = a.resolution_file(id).await.map_err(store_error)?;
                Ok::<_, anyhow::Error>(match format {
                    Format::Json => format!("{}\n", serde_json::to_string_pretty(&f)?),
                    Format::Table | Format::Csv => {
                        let r = &f.resolution;
                        let mut out = format!(
                            "{}  {}\nbody: {}  session: {}  adopted: {}  adoption: {}\ntopics: {}\n",
                            r.symbol,
                            r.title,
                            r.body,
                            r.session.map(|s| s.to_string()).unwrap_or_default(),
                            r.adopted_on.map(|d| d.to_string()).unwrap_or_default(),
                            r.adoption,
                            r.topics.join(", ")
                        );
                        for role in ["main", "co"] {
                            let list: Vec<String> = f
                                .sponsors
                                .iter()
                                .filter(|s| s.role.code() == role)
                                .map(|s| name(&s.state))
                                .collect();
                            out.push_str(&format!(
                                "{role} sponsors ({}): {}\n",
                                list.len(),
                                list.join(", ")
                            ));
                        }
                        for c in &f.roll_calls {
                            out.push_str(&format!(
                                "vote on {} (rcid {}): yes {} no {} abstain {} absent {}\n",
                                c.kind,
                                c.rcid.map(|r| r.to_string()).unwrap_or_default(),
                                c.tally.yes,
                                c.tally.no,
                                c.tally.abstain,
                                c.tally.absent
                            ));
                        }
                        out
                    }
                })
            }
            .await;
            store.close().await;
            print!("{}", r?);
            Ok(ExitCode::SUCCESS)
        }
        ResolutionsCommand::Scorecard {
            db,
            state,
            topic,
            from,
            to,
            format,
            as_user,
        } => {
            let store = open_store(&db, false, false).await?;
            let r = async {
                let a = access(&store, as_user.as_deref()).await?;
                let card = a
                    .scorecard(&state, &topic, from, to)
                    .await
                    .map_err(store_error)?;
                Ok::<_, anyhow::Error>(match format {
                    Format::Csv => resolution_files::scorecard_csv(&card),
                    Format::Json => format!("{}\n", serde_json::to_string_pretty(&card)?),
                    Format::Table => {
                        let t = card.totals;
                        let mut out = format!(
                            "{} ({}) topic: {}\nsponsored {}  co-sponsored {}  yes {}  no {}  abstain {}  absent {}  consensus {}\n\n",
                            card.state.name_en,
                            card.state.alpha2,
                            if card.topic.is_empty() { "all" } else { &card.topic },
                            t.sponsored, t.co_sponsored, t.yes, t.no, t.abstain, t.absent, t.consensus
                        );
                        let mut rows = vec![vec![
                            "symbol".to_owned(),
                            "adopted_on".into(),
                            "sponsor".into(),
                            "position".into(),
                        ]];
                        for l in &card.lines {
                            rows.push(vec![
                                l.symbol.clone(),
                                l.adopted_on.map(|d| d.to_string()).unwrap_or_default(),
                                l.sponsor.map(|s| s.code().to_owned()).unwrap_or_default(),
                                l.position.code().into(),
                            ]);
                        }
                        out.push_str(&table(&rows));
                        let mut rows = vec![vec![
                            "year".to_owned(),
                            "violation_type".into(),
                            "violations".into(),
                            "by_state_actors".into(),
                        ]];
                        for (y, v, n, s) in resolution_files::violation_cells(&card) {
                            rows.push(vec![y, v, n.to_string(), s.to_string()]);
                        }
                        out.push('\n');
                        out.push_str(&table(&rows));
                        out
                    }
                })
            }
            .await;
            store.close().await;
            print!("{}", r?);
            Ok(ExitCode::SUCCESS)
        }
        ResolutionsCommand::Compare {
            db,
            symbol,
            year,
            verb,
            format,
            as_user,
        } => {
            let store = open_store(&db, false, false).await?;
            let r = async {
                let a = access(&store, as_user.as_deref()).await?;
                let id = a
                    .resolution_id(&symbol)
                    .await
                    .map_err(store_error)?
                    .with_context(|| format!("no resolution {symbol}"))?;
                let c = a
                    .sponsor_comparison(id, year, &verb)
                    .await
                    .map_err(store_error)?;
                Ok::<_, anyhow::Error>(match format {
                    Format::Json => format!("{}\n", serde_json::to_string_pretty(&c)?),
                    Format::Table | Format::Csv => {
                        let mut rows = vec![vec![
                            "state".to_owned(),
                            "name".into(),
                            "role".into(),
                            "incidents".into(),
                            "by_state_actors".into(),
                        ]];
                        for d in &c.documented {
                            rows.push(vec![
                                d.state.clone(),
                                d.name.clone(),
                                d.role.code().into(),
                                d.incidents.to_string(),
                                d.by_state_actors.to_string(),
                            ]);
                        }
                        if format == Format::Csv {
                            csv_of(&rows)
                        } else {
                            format!(
                                "{}: sponsors with {} documented in {} ({} of {})\n{}",
                                c.resolution.symbol,
                                c.verb,
                                c.year,
                                c.documented.len(),
                                c.documented.len() + c.without,
                                table(&rows)
                            )
                        }
                    }
                })
            }
            .await;
            store.close().await;
            print!("{}", r?);
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn csv_of(rows: &[Vec<String>]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in rows {
        let cells: Vec<String> = r
            .iter()
            .map(|c| vigil_web::csv_export::safe_cell(c))
            .collect();
        let _ = w.write_record(&cells);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}
