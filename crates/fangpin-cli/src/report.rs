//! `fangpin report <kind> --area CODE --out FILE`: the township's paperwork from the service's
//! database, as an office user: only what that user may see. `.csv` writes CSV (UTF-8 with a
//! byte-order mark), anything else XLSX.

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;

use anyhow::{anyhow, bail, Result};
use chrono::NaiveDate;
use clap::{Args, Subcommand};
use fangpin_domain::procedure::ProcedureKind;
use fangpin_reports::export::{self, ExportError};
use fangpin_reports::ledger::LedgerFilter;
use fangpin_reports::source::narrow;
use fangpin_reports::{ledger, publicity, ReportHeader};

use crate::service::open;
use crate::workflow::Office;

/// What every report takes.
#[derive(Debug, Args)]
pub struct Common {
    #[command(flatten)]
    office: Office,
    /// The area: a township, village or county code prefix, within the user's scope.
    #[arg(long)]
    area: String,
    /// The file to write (.xlsx, or .csv).
    #[arg(long)]
    out: PathBuf,
    /// The report's day (default today).
    #[arg(long)]
    today: Option<NaiveDate>,
}

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// 问题台账.
    Ledger {
        #[command(flatten)]
        common: Common,
        /// Only this state: found, in_progress, rectified or closed.
        #[arg(long)]
        state: Option<String>,
        /// Only this source: self_check, warning, inspection, audit, petition, assessment,
        /// acceptance or survey.
        #[arg(long)]
        source: Option<String>,
        /// Only problems open past their deadline.
        #[arg(long)]
        overdue: bool,
    },
    /// 村级公示: the households whose notice runs on the report's day.
    Publicity {
        #[command(flatten)]
        common: Common,
        /// identification (纳入监测) or elimination (风险消除).
        #[arg(long, default_value = "identification")]
        kind: String,
    },
    /// 《防止返贫监测帮扶排查表》: one household laid out as the paper form, or the whole area
    /// (one row per household, and a sheet of members).
    Screening {
        #[command(flatten)]
        common: Common,
        /// One household's row id: its form alone.
        #[arg(long)]
        household: Option<uuid::Uuid>,
    },
    /// 通报: a campaign's progress per 办事处 and village, and the villages' star ratings.
    Briefing {
        #[command(flatten)]
        common: Common,
        /// The campaign's id.
        #[arg(long)]
        campaign: uuid::Uuid,
    },
    /// The data-quality check the national system runs, household by household.
    Quality {
        #[command(flatten)]
        common: Common,
    },
    /// The national system's 监测对象信息 workbook; refused while households fail the check.
    National {
        #[command(flatten)]
        common: Common,
        /// Write it even though households fail the check.
        #[arg(long)]
        allow_issues: bool,
    },
}

struct Ready {
    backend: std::sync::Arc<dyn fangpin_server::Backend>,
    scope: fangpin_server::Scope,
    policy: std::sync::Arc<fangpin_domain::PolicyBook>,
    header: ReportHeader,
    names: HashMap<String, String>,
}

async fn ready(c: &Common) -> Result<Ready> {
    let backend = open(&c.office.db).await?;
    let (user, policy) = crate::workflow::actor(&backend, &c.office).await?;
    let scope = narrow(&user.scope, &c.area);
    if scope.areas.is_empty() {
        bail!("--area {}: outside {}'s scope", c.area, user.username);
    }
    let names: HashMap<String, String> = backend
        .area_names(user.scope.clone())
        .await?
        .into_iter()
        .collect();
    let code = format!("{:0<12}", c.area);
    let header = ReportHeader {
        area_name: names.get(&code).cloned().unwrap_or_else(|| c.area.clone()),
        area_code: c.area.clone(),
        made_on: c.today.unwrap_or_else(|| chrono::Local::now().date_naive()),
    };
    Ok(Ready {
        backend,
        scope,
        policy,
        header,
        names,
    })
}

/// `fangpin report …`.
pub async fn report(cmd: ReportCommand) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match cmd {
        ReportCommand::Ledger {
            common,
            state,
            source,
            overdue,
        } => {
            let r = ready(&common).await?;
            let filter = LedgerFilter {
                state,
                source,
                overdue,
            };
            let s = ledger::write(
                r.backend,
                r.scope,
                &filter,
                &r.header,
                &r.names,
                &common.out,
            )
            .await?;
            writeln!(
                out,
                "问题台账: {} problems ({} overdue) written to {}",
                s.rows,
                s.overdue,
                common.out.display()
            )?;
        }
        ReportCommand::Publicity { common, kind } => {
            let kind: ProcedureKind = serde_json::from_value(serde_json::json!(kind))
                .map_err(|_| anyhow!("--kind: identification or elimination"))?;
            let r = ready(&common).await?;
            let s = publicity::write(
                r.backend,
                r.scope,
                kind,
                r.header.made_on,
                &r.header,
                &r.names,
                &common.out,
            )
            .await?;
            writeln!(
                out,
                "村级公示: {} households written to {}",
                s.households,
                common.out.display()
            )?;
        }
        ReportCommand::Screening { common, household } => {
            let r = ready(&common).await?;
            match household {
                Some(id) => {
                    let row = r
                        .backend
                        .row(r.scope.clone(), fangpin_sync::RowKey::new("household", id))
                        .await?
                        .filter(|h| h.alive)
                        .ok_or_else(|| anyhow!("--household {id}: not found in the area"))?;
                    let village = r
                        .names
                        .get(&row.village)
                        .cloned()
                        .unwrap_or_else(|| row.village.clone());
                    let b = fangpin_reports::source::bundles(&r.backend, &r.scope, vec![row])
                        .await?
                        .remove(0);
                    fangpin_reports::screening::write_household(
                        &b,
                        &r.header,
                        &village,
                        &common.out,
                    )?;
                    writeln!(
                        out,
                        "排查表 of household {id} written to {}",
                        common.out.display()
                    )?;
                }
                None => {
                    let s = fangpin_reports::screening::write_area(
                        r.backend,
                        r.scope,
                        &r.header,
                        &r.names,
                        &common.out,
                    )
                    .await?;
                    writeln!(
                        out,
                        "排查表: {} households, {} members written to {}",
                        s.households,
                        s.members,
                        common.out.display()
                    )?;
                }
            }
        }
        ReportCommand::Briefing { common, campaign } => {
            let r = ready(&common).await?;
            let (user, _) = crate::workflow::actor(&r.backend, &common.office).await?;
            let c = crate::workflow::the_campaign(&r.backend, &user, campaign).await?;
            let s = fangpin_reports::briefing::write(
                r.backend,
                r.scope,
                &c,
                &r.policy,
                &r.names,
                &r.header,
                &common.out,
            )
            .await?;
            writeln!(
                out,
                "通报: {} 办事处 and {} villages written to {}",
                s.offices,
                s.villages,
                common.out.display()
            )?;
        }
        ReportCommand::Quality { common } => {
            let r = ready(&common).await?;
            let issues = export::quality(
                r.backend,
                r.scope,
                &r.policy,
                chrono::Datelike::year(&r.header.made_on),
            )
            .await?;
            export::write_quality(&issues, &r.header, &r.names, &common.out)?;
            writeln!(
                out,
                "数据质量校验: {} issues written to {}",
                issues.len(),
                common.out.display()
            )?;
        }
        ReportCommand::National {
            common,
            allow_issues,
        } => {
            let r = ready(&common).await?;
            match export::national(
                r.backend,
                r.scope,
                &r.policy,
                &r.header,
                &r.names,
                allow_issues,
                &common.out,
            )
            .await
            {
                Ok(s) => writeln!(
                    out,
                    "监测对象信息: {} households, {} members written to {}",
                    s.households,
                    s.members,
                    common.out.display()
                )?,
                Err(ExportError::Quality(issues)) => {
                    for q in issues.iter().take(50) {
                        eprintln!(
                            "{} {} {}: {}",
                            q.hubianhao,
                            q.head_name,
                            q.rule.label_zh(),
                            q.message_zh
                        );
                    }
                    bail!(
                        "{} households fail the data-quality check (run `fangpin report quality` for the list): nothing was written",
                        issues.len()
                    );
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
    Ok(())
}
