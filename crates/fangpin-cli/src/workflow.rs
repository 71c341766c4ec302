//! The township's workflow at the office, against the service's database, as an office user:
//! `fangpin campaign create|sample|progress|ratings` and `fangpin procedure step`. Every write
//! goes through the service's office writes, judged like a device's push, and reaches the
//! devices at their next sync.

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{anyhow, bail, Context, Result};
use chrono::NaiveDate;
use clap::{Args, Subcommand};
use fangpin_domain::campaign::{Duty, PhaseDates, Phases};
use fangpin_domain::procedure::Step;
use fangpin_domain::PolicyBook;
use fangpin_server::campaign::{self, Campaign, Progress, ProgressLine, Rows};
use fangpin_server::model::User;
use fangpin_server::office::OfficeWrite;
use fangpin_server::Backend;
use fangpin_sync::RowKey;
use serde::Deserialize;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::service::{now_ms, open, Db};

/// Who acts, and under which policy.
#[derive(Debug, Args)]
pub struct Office {
    #[command(flatten)]
    pub(crate) db: Db,
    /// The office user who acts (their role and scope decide what they may write and see).
    #[arg(long = "as", value_name = "USERNAME")]
    user: String,
    /// The policy settings (the same file as `fangpin serve --policy`).
    #[arg(long, env = "FANGPIN_POLICY")]
    policy: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum CampaignCommand {
    /// Creates a campaign and its villages' assignments from a JSON file (docs/operations.md).
    Create {
        #[command(flatten)]
        office: Office,
        /// The campaign file.
        file: PathBuf,
    },
    /// Draws the re-check sample of every village from a seed, recorded on the campaign.
    Sample {
        #[command(flatten)]
        office: Office,
        /// The campaign's id.
        #[arg(long)]
        campaign: Uuid,
        /// The seed (the clock in ms when not given; it is recorded either way, at most 2^63-1).
        #[arg(long)]
        seed: Option<u64>,
    },
    /// Prints the campaign's progress per 办事处, village and person.
    Progress {
        #[command(flatten)]
        office: Office,
        /// The campaign's id.
        #[arg(long)]
        campaign: Uuid,
        /// The day counted from (default today).
        #[arg(long)]
        today: Option<NaiveDate>,
    },
    /// Prints each village's results and star rating with the computation.
    Ratings {
        #[command(flatten)]
        office: Office,
        /// The campaign's id.
        #[arg(long)]
        campaign: Uuid,
        /// The day counted from (default today).
        #[arg(long)]
        today: Option<NaiveDate>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ProcedureCommand {
    /// Records a step of a procedure at the office (乡镇审核, 县级审定 …), judged by the same
    /// rules as on a device.
    Step {
        #[command(flatten)]
        office: Office,
        /// The procedure's id.
        #[arg(long)]
        procedure: Uuid,
        /// The step: verification, appraisal, comparison, publicity, township_review or
        /// county_decision.
        #[arg(long)]
        step: String,
        /// The step's record as JSON (docs/household-json.md).
        #[arg(long)]
        value: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum LedgerCommand {
    /// Enters a problem found by 巡视, 审计, 信访, 考核, 验收 or 调研 for a household; it reaches
    /// the village's devices at their next sync.
    Add {
        #[command(flatten)]
        office: Office,
        /// The household's row id.
        #[arg(long)]
        household: Uuid,
        /// Where it was found: inspection (巡视), audit (审计), petition (信访), assessment
        /// (考核), acceptance (验收), survey (调研), warning (预警) or self_check (自查).
        #[arg(long)]
        source: String,
        /// The problem type (income, medical, education, housing, drinking_water,
        /// food_clothing, policy, information, other).
        #[arg(long)]
        problem_type: String,
        /// 问题描述.
        #[arg(long)]
        description: String,
        /// 整改措施.
        #[arg(long, default_value = "")]
        measure: String,
        /// 责任单位.
        #[arg(long, default_value = "")]
        responsible_unit: String,
        /// 责任人.
        #[arg(long, default_value = "")]
        responsible_person: String,
        /// 整改时限.
        #[arg(long)]
        deadline: NaiveDate,
    },
}

/// `fangpin ledger …`.
pub async fn ledger(cmd: LedgerCommand) -> Result<()> {
    let LedgerCommand::Add {
        office,
        household,
        source,
        problem_type,
        description,
        measure,
        responsible_unit,
        responsible_person,
        deadline,
    } = cmd;
    let b = open(&office.db).await?;
    let (user, policy) = actor(&b, &office).await?;
    let h = b
        .row(user.scope.clone(), RowKey::new("household", household))
        .await?
        .filter(|r| r.alive)
        .ok_or_else(|| {
            anyhow!(
                "household {household} not found in {}'s scope",
                user.username
            )
        })?;
    let id = Uuid::now_v7();
    let write = OfficeWrite {
        row: RowKey::new("ledger_item", id),
        create: true,
        fields: vec![
            ("household_id".into(), json!(household.to_string())),
            ("village_code".into(), json!(h.village)),
            ("source".into(), json!(source)),
            ("problem_type".into(), json!(problem_type)),
            ("description".into(), json!(description)),
            ("measure".into(), json!(measure)),
            ("responsible_unit".into(), json!(responsible_unit)),
            ("responsible_person".into(), json!(responsible_person)),
            ("deadline".into(), json!(deadline)),
            (
                "status".into(),
                fangpin_domain::ledger::LedgerStatus::NEW.to_value(),
            ),
        ],
    };
    b.office_write(user, policy, vec![write], now_ms()).await?;
    writeln!(std::io::stdout().lock(), "ledger item {id} entered")?;
    Ok(())
}

/// A campaign file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CampaignFile {
    name: String,
    /// The township's 12-digit code.
    area_code: String,
    phases: Vec<PhaseDates>,
    #[serde(default)]
    focus: Vec<String>,
    assignments: Vec<AssignmentFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AssignmentFile {
    village_code: String,
    duty: Duty,
    /// The person's user name.
    person: String,
    #[serde(default)]
    office_name: Option<String>,
    #[serde(default)]
    households: Vec<Uuid>,
}

pub(crate) async fn actor(b: &Arc<dyn Backend>, o: &Office) -> Result<(User, Arc<PolicyBook>)> {
    let user = b
        .user_by_name(o.user.clone())
        .await?
        .ok_or_else(|| anyhow!("no user named {}", o.user))?
        .user;
    Ok((user, crate::policy_or_seed(o.policy.as_deref())?))
}

async fn rows(b: &Arc<dyn Backend>, user: &User) -> Result<Rows> {
    let scope = user.scope.clone();
    let get = |t: &'static str| b.rows(scope.clone(), t.to_owned());
    Ok(Rows {
        households: get("household").await?,
        visits: get("visit").await?,
        ledger: get("ledger_item").await?,
        procedures: get("procedure").await?,
        assignments: get("assignment").await?,
        rechecks: get("recheck").await?,
    })
}

pub(crate) async fn the_campaign(b: &Arc<dyn Backend>, user: &User, id: Uuid) -> Result<Campaign> {
    let row = b
        .row(user.scope.clone(), RowKey::new("campaign", id))
        .await?
        .filter(|r| r.alive)
        .ok_or_else(|| anyhow!("no campaign {id} in {}'s scope", user.username))?;
    Campaign::of(&row).ok_or_else(|| anyhow!("campaign {id} has no name or phases"))
}

async fn names(b: &Arc<dyn Backend>, user: &User) -> Result<HashMap<String, String>> {
    Ok(b.area_names(user.scope.clone())
        .await?
        .into_iter()
        .collect())
}

/// `fangpin campaign …`.
pub async fn campaign(cmd: CampaignCommand) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match cmd {
        CampaignCommand::Create { office, file } => {
            let b = open(&office.db).await?;
            let (user, policy) = actor(&b, &office).await?;
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let c: CampaignFile = serde_json::from_str(&text)
                .with_context(|| format!("{} is not a campaign file", file.display()))?;
            let phases = Phases::new(c.phases).map_err(|e| anyhow!("phases: {e}"))?;
            let id = Uuid::now_v7();
            let mut writes = vec![OfficeWrite {
                row: RowKey::new("campaign", id),
                create: true,
                fields: vec![
                    ("name".into(), json!(c.name)),
                    ("area_code".into(), json!(c.area_code)),
                    ("phases".into(), json!(phases)),
                    ("focus".into(), json!(c.focus)),
                ],
            }];
            for a in &c.assignments {
                let person = b
                    .user_by_name(a.person.clone())
                    .await?
                    .ok_or_else(|| anyhow!("assignments: no user named {}", a.person))?
                    .user;
                let mut fields = vec![
                    ("campaign_id".to_owned(), json!(id.to_string())),
                    ("village_code".to_owned(), json!(a.village_code)),
                    ("duty".to_owned(), json!(a.duty)),
                    ("person_id".to_owned(), json!(person.id.to_string())),
                    ("person_name".to_owned(), json!(person.display_name)),
                    ("campaign_name".to_owned(), json!(c.name)),
                    ("phases".to_owned(), json!(phases)),
                    ("focus".to_owned(), json!(c.focus)),
                    (
                        "households".to_owned(),
                        json!(a.households.iter().map(Uuid::to_string).collect::<Vec<_>>()),
                    ),
                ];
                if let Some(o) = &a.office_name {
                    fields.push(("office_name".to_owned(), json!(o)));
                }
                writes.push(OfficeWrite {
                    row: RowKey::new("assignment", Uuid::now_v7()),
                    create: true,
                    fields,
                });
            }
            let r = b.office_write(user, policy, writes, now_ms()).await?;
            writeln!(
                out,
                "campaign {id} created with {} assignments ({} changes)",
                c.assignments.len(),
                r.changes
            )?;
        }
        CampaignCommand::Sample {
            office,
            campaign: id,
            seed,
        } => {
            let b = open(&office.db).await?;
            let (user, policy) = actor(&b, &office).await?;
            let c = the_campaign(&b, &user, id).await?;
            let rows = rows(&b, &user).await?;
            let seed = seed.unwrap_or_else(|| now_ms().unsigned_abs());
            let settings = policy.settings(c.prefix()).recheck;
            let writes = campaign::sample_writes(&c, &rows, &settings, seed)?;
            let drawn = writes.iter().filter(|w| w.create).count();
            b.office_write(user, policy, writes, now_ms()).await?;
            writeln!(
                out,
                "drew {drawn} households for re-checks with seed {seed}"
            )?;
        }
        CampaignCommand::Progress {
            office,
            campaign: id,
            today,
        } => {
            let b = open(&office.db).await?;
            let (user, policy) = actor(&b, &office).await?;
            let c = the_campaign(&b, &user, id).await?;
            let p = campaign::progress(
                &c,
                &rows(&b, &user).await?,
                &policy,
                &names(&b, &user).await?,
                today.unwrap_or_else(|| chrono::Local::now().date_naive()),
            );
            print_progress(&mut out, &p)?;
        }
        CampaignCommand::Ratings {
            office,
            campaign: id,
            today,
        } => {
            let b = open(&office.db).await?;
            let (user, policy) = actor(&b, &office).await?;
            let c = the_campaign(&b, &user, id).await?;
            for v in campaign::ratings(
                &c,
                &rows(&b, &user).await?,
                &policy,
                &names(&b, &user).await?,
                today.unwrap_or_else(|| chrono::Local::now().date_naive()),
            ) {
                writeln!(
                    out,
                    "{}\t{}\t{}星\t{}",
                    v.village, v.name, v.rating.stars, v.rating.explanation_zh
                )?;
            }
        }
    }
    Ok(())
}

fn print_progress(out: &mut impl Write, p: &Progress) -> Result<()> {
    writeln!(
        out,
        "范围\t名称\t应访户\t已走访\t已排查\t监测类别\t风险类型\t台账未销号\t已销号\t逾期\t监测程序\t程序逾期"
    )?;
    let line = |out: &mut dyn Write, kind: &str, l: &ProgressLine| -> std::io::Result<()> {
        let map = |m: &std::collections::BTreeMap<String, u32>| {
            m.iter()
                .map(|(k, v)| format!("{k}:{v}"))
                .collect::<Vec<_>>()
                .join(",")
        };
        writeln!(
            out,
            "{kind}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
            l.label,
            l.to_visit,
            l.visited,
            l.screened,
            map(&l.by_category),
            map(&l.by_risk),
            l.ledger_open,
            l.ledger_closed,
            l.ledger_overdue,
            map(&l.procedures_by_step),
            l.procedures_overdue
        )
    };
    line(out, "全镇", &p.total)?;
    for l in &p.offices {
        line(out, "办事处", l)?;
    }
    for l in &p.villages {
        line(out, "村", l)?;
    }
    for l in &p.people {
        line(out, "责任人", l)?;
    }
    Ok(())
}

/// `fangpin procedure …`.
pub async fn procedure(cmd: ProcedureCommand) -> Result<()> {
    match cmd {
        ProcedureCommand::Step {
            office,
            procedure,
            step,
            value,
        } => {
            let Some(step) = Step::of_field(&step) else {
                bail!("--step: {step} is not a step (verification, appraisal, comparison, publicity, township_review, county_decision)");
            };
            let value: Value = serde_json::from_str(&value).context("--value is not JSON")?;
            let b = open(&office.db).await?;
            let (user, policy) = actor(&b, &office).await?;
            let row = b
                .row(user.scope.clone(), RowKey::new("procedure", procedure))
                .await?
                .filter(|r| r.alive)
                .ok_or_else(|| {
                    anyhow!(
                        "procedure {procedure} not found in {}'s scope",
                        user.username
                    )
                })?;
            let writes = fangpin_server::office::step_writes(&row, step, value);
            b.office_write(user, policy, writes, now_ms()).await?;
            writeln!(
                std::io::stdout().lock(),
                "recorded {} of procedure {procedure}",
                step.label_zh()
            )?;
        }
    }
    Ok(())
}
