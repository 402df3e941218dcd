//! `vigil stats` and `vigil indicator sdg-16-10-1`: the statistics of the page and the
//! API on the command line, with the same options and the same counting rules
//! (`docs/methodology.md`). Output is a table for people, CSV or JSON for programs.
//! Without `--as`, everything in the database is counted (the operator holds the key);
//! with `--as USER`, exactly what that user may count.

use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use serde_json::json;

use vigil_domain::stats::{
    line, sdg_category_code, Dimension, SdgParams, StatsParams, SDG_CATEGORIES,
};
use vigil_store::{Access, Actor, Store};
use vigil_web::i18n::I18n;
use vigil_web::stats_report::{self, fmt_num, text_table, StatsLabels};

use crate::cli::{open_store, DbArgs};

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Csv,
    Json,
}

/// Options of `vigil stats`: the API's query parameters as flags.
#[derive(Args, Debug)]
pub struct StatsArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// What to count: incidents, violations or victims.
    #[arg(long, default_value = "incidents")]
    pub measure: String,
    /// Group by this dimension (give twice for a two-way table): year, month, country,
    /// region, subregion, violation_type, verb, status, sex, age_group, characteristic,
    /// sector_of_defence, business_sector, perpetrator_type, state_actor, sdg_group.
    #[arg(long = "by")]
    pub by: Vec<String>,
    /// Rates ("one every N days", per year) instead of grouped counts.
    #[arg(long)]
    pub rates: bool,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Labels' language: en or es.
    #[arg(long, default_value = "en")]
    pub lang: String,
    /// Count as this user (their compartments), not the whole database.
    #[arg(long = "as")]
    pub as_user: Option<String>,
    /// Period start: 2024, 2024-03 or 2024-03-15 (incident start date).
    #[arg(long)]
    pub from: Option<String>,
    /// Period end, inclusive.
    #[arg(long)]
    pub to: Option<String>,
    #[arg(long)]
    pub year: Option<String>,
    /// Country (name or ISO code).
    #[arg(long)]
    pub country: Option<String>,
    #[arg(long)]
    pub region: Option<String>,
    #[arg(long)]
    pub violation_type: Option<String>,
    /// killing, criminalisation or curtailing.
    #[arg(long)]
    pub verb: Option<String>,
    #[arg(long)]
    pub status: Option<String>,
    #[arg(long)]
    pub perpetrator_type: Option<String>,
    /// state, non_state or unknown.
    #[arg(long)]
    pub state_actor: Option<String>,
    /// Linked business sector.
    #[arg(long)]
    pub sector: Option<String>,
    #[arg(long)]
    pub characteristic: Option<String>,
    #[arg(long)]
    pub sex: Option<String>,
    #[arg(long)]
    pub sdg_group: Option<String>,
    #[arg(long)]
    pub defence_sector: Option<String>,
    /// Full-text query.
    #[arg(long)]
    pub q: Option<String>,
}

impl StatsArgs {
    pub(crate) fn params(&self) -> anyhow::Result<StatsParams> {
        if self.by.len() > 2 {
            anyhow::bail!("--by: at most two dimensions (got {})", self.by.len());
        }
        let s = |o: &Option<String>| o.clone().unwrap_or_default();
        Ok(StatsParams {
            measure: self.measure.clone(),
            by: self.by.first().cloned().unwrap_or_default(),
            by2: self.by.get(1).cloned().unwrap_or_default(),
            q: s(&self.q),
            country: s(&self.country),
            region: s(&self.region),
            year: s(&self.year),
            from: s(&self.from),
            to: s(&self.to),
            violation_type: s(&self.violation_type),
            verb: s(&self.verb),
            status: s(&self.status),
            perpetrator_type: s(&self.perpetrator_type),
            state_actor: s(&self.state_actor),
            sector: s(&self.sector),
            characteristic: s(&self.characteristic),
            sex: s(&self.sex),
            sdg_group: s(&self.sdg_group),
            defence_sector: s(&self.defence_sector),
        })
    }
}

#[derive(Subcommand, Debug)]
pub enum IndicatorCommand {
    /// SDG indicator 16.10.1 for a 12-month period (see docs/methodology.md).
    #[command(name = "sdg-16-10-1")]
    Sdg16101 {
        #[command(flatten)]
        db: DbArgs,
        /// First month of the period: 2024-01 (default: the 12 months before this one).
        #[arg(long)]
        from: Option<String>,
        /// Last month, inclusive (default: 12 months from --from).
        #[arg(long)]
        to: Option<String>,
        /// One country only (name or ISO code).
        #[arg(long)]
        country: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        #[arg(long, default_value = "en")]
        lang: String,
        /// Count as this user (their compartments), not the whole database.
        #[arg(long = "as")]
        as_user: Option<String>,
    },
}

fn language(l: &str) -> anyhow::Result<&'static str> {
    match l {
        "en" => Ok("en"),
        "es" => Ok("es"),
        other => anyhow::bail!("--lang: unknown language {other:?} (en or es)"),
    }
}

/// The user a count runs as, if any.
async fn access(store: &Store, user: Option<&str>) -> anyhow::Result<Option<Access>> {
    let Some(name) = user else {
        return Ok(None);
    };
    let users = store.users().await?;
    let u = users
        .iter()
        .find(|u| u.username == name)
        .with_context(|| format!("--as: no user {name}"))?;
    Ok(Some(Access::new(store.clone(), Actor::from(u))))
}

/// Field errors as sentences naming each option.
fn invalid(e: vigil_domain::validate::FieldErrors) -> anyhow::Error {
    let t = I18n::new("en");
    let parts: Vec<String> =
        e.0.iter()
            .map(|x| format!("--{}: {}", x.field.replace('_', "-"), t.error(x)))
            .collect();
    anyhow::anyhow!("invalid query: {}", parts.join("; "))
}

pub async fn stats(args: StatsArgs) -> anyhow::Result<ExitCode> {
    let lang = language(&args.lang)?;
    let params = args.params()?;
    let store = open_store(&args.db, false, false).await?;
    let r = run_stats(&store, &args, &params, lang).await;
    store.close().await;
    print!("{}", r?);
    Ok(ExitCode::SUCCESS)
}

async fn run_stats(
    store: &Store,
    args: &StatsArgs,
    params: &StatsParams,
    lang: &'static str,
) -> anyhow::Result<String> {
    let vocab = store.vocabularies().await?;
    let q = params.parse(&vocab).map_err(invalid)?;
    let who = access(store, args.as_user.as_deref()).await?;
    let labels = StatsLabels::new(I18n::new(lang), vocab.clone());
    if args.rates {
        let r = match &who {
            Some(a) => a.rates(&q).await?,
            None => store.rates(&q, &vocab, true).await?,
        };
        return Ok(match args.format {
            Format::Csv => stats_report::rates_csv(&r),
            Format::Json => format!(
                "{}\n",
                serde_json::to_string_pretty(&json!({
                    "rates": r,
                    "rule": labels.t.get("stats-rate-rule"),
                    "counting_rule": labels.rule(q.measure),
                }))?
            ),
            Format::Table => {
                let mut rows = vec![vec![
                    labels.t.get("stats-period"),
                    labels.t.get("stats-days"),
                    labels.measure(q.measure),
                    labels.t.get("stats-one-every-head"),
                    labels.t.get("stats-per-year"),
                ]];
                for x in std::iter::once(&r.total).chain(&r.years) {
                    rows.push(vec![
                        format!(
                            "{} ({} – {})",
                            x.year
                                .map_or_else(|| labels.t.get("stats-rate-all"), |y| y.to_string()),
                            x.from,
                            x.to
                        ),
                        x.days.to_string(),
                        x.count.to_string(),
                        labels.every(x),
                        fmt_num(x.per_year),
                    ]);
                }
                format!(
                    "{}\n{}\n",
                    text_table(&rows),
                    labels.t.get("stats-rate-rule")
                )
            }
        });
    }
    let t = match &who {
        Some(a) => a.statistics(&q).await?,
        None => store.statistics(&q, &vocab, true).await?,
    };
    Ok(match args.format {
        Format::Csv => stats_report::table_csv(&t, &labels),
        Format::Json => format!(
            "{}\n",
            serde_json::to_string_pretty(&json!({
                "measure": t.measure,
                "dimensions": t.dimensions,
                "total": t.total,
                "rows": t.rows,
                "rule": labels.rule(q.measure),
                "methodology": "docs/methodology.md",
            }))?
        ),
        Format::Table => {
            let mut out = stats_report::table_text(&t, &labels);
            out.push('\n');
            out.push_str(&labels.rule(q.measure));
            out.push('\n');
            if let Some(d) = q.dims.iter().find(|d| d.multi_valued()) {
                out.push_str(&labels.t.arg("stats-multi-note", &labels.dimension(*d)));
                out.push('\n');
            }
            out
        }
    })
}

pub async fn indicator(cmd: IndicatorCommand) -> anyhow::Result<ExitCode> {
    let IndicatorCommand::Sdg16101 {
        db,
        from,
        to,
        country,
        format,
        lang,
        as_user,
    } = cmd;
    let lang = language(&lang)?;
    let p = SdgParams {
        from: from.unwrap_or_default(),
        to: to.unwrap_or_default(),
        country: country.unwrap_or_default(),
    };
    let store = open_store(&db, false, false).await?;
    let r = async {
        let today = store.clock().now().date_naive();
        let (period, country) = p.parse(today).map_err(invalid)?;
        let vocab = store.vocabularies().await?;
        let report = match access(&store, as_user.as_deref()).await? {
            Some(a) => a.sdg_16_10_1(period, country.as_deref()).await?,
            None => {
                store
                    .sdg_16_10_1(period, country.as_deref(), &vocab)
                    .await?
            }
        };
        let labels = StatsLabels::new(I18n::new(lang), vocab);
        anyhow::Ok(match format {
            Format::Csv => stats_report::sdg_csv(&report, &labels),
            Format::Json => format!(
                "{}\n",
                serde_json::to_string_pretty(&json!({
                    "report": report,
                    "definition": labels.t.get("stats-sdg-definition"),
                    "rule": labels.t.get("stats-sdg-rule"),
                    "methodology": "docs/methodology.md",
                }))?
            ),
            Format::Table => {
                let mut out = format!(
                    "{} — {} – {}\n{}\n\n",
                    labels.t.get("stats-sdg-title"),
                    report.from,
                    report.to,
                    labels.t.n("stats-sdg-total", report.total)
                );
                let mut rows = vec![vec![
                    labels.t.get("stats-sdg-category"),
                    labels.t.get("stats-sdg-cases"),
                ]];
                for c in SDG_CATEGORIES {
                    let code = sdg_category_code(*c);
                    rows.push(vec![
                        labels.sdg_category(code),
                        line(&report.by_category, code).to_string(),
                    ]);
                }
                out.push_str(&text_table(&rows));
                let sections: [(&str, &[vigil_domain::stats::SdgLine], Dimension); 4] = [
                    ("stats-sdg-by-group", &report.by_group, Dimension::SdgGroup),
                    ("stats-sdg-by-sex", &report.by_sex, Dimension::Sex),
                    (
                        "stats-sdg-by-perpetrator",
                        &report.by_perpetrator,
                        Dimension::StateActor,
                    ),
                    (
                        "stats-sdg-by-country",
                        &report.by_country,
                        Dimension::Country,
                    ),
                ];
                for (key, lines, d) in sections {
                    let mut rows = vec![vec![labels.t.get(key), labels.t.get("stats-sdg-cases")]];
                    rows.extend(
                        lines
                            .iter()
                            .map(|l| vec![labels.key(d, &l.code), l.count.to_string()]),
                    );
                    out.push('\n');
                    out.push_str(&text_table(&rows));
                }
                out.push('\n');
                out.push_str(&labels.t.get("stats-sdg-rule"));
                out.push('\n');
                out
            }
        })
    }
    .await;
    store.close().await;
    print!("{}", r?);
    Ok(ExitCode::SUCCESS)
}
