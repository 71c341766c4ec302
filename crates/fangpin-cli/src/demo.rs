//! `fangpin demo`: fills an empty service with a generated township: accounts for every role,
//! the names of its areas, and thousands of households pushed as a supervisor's device would.

use std::io::Write;

use anyhow::{bail, Context, Result};
use clap::Args;
use fangpin_server::http::NewUser;
use fangpin_server::model::{Actor, Device, DeviceKind};
use fangpin_server::{Role, Scope};

use crate::service::{now_ms, open, state, Db};

#[derive(Debug, Args)]
pub struct DemoArgs {
    #[command(flatten)]
    db: Db,
    /// How many households.
    #[arg(long, default_value_t = 3000)]
    households: usize,
    /// The generator's seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The password of every demo account.
    #[arg(long, default_value = "fangpin-demo")]
    password: String,
}

/// `fangpin demo`: fills the service with a generated township.
pub async fn demo(args: DemoArgs) -> Result<()> {
    let backend = open(&args.db).await?;
    let s = state(backend.clone());
    let today = chrono::Local::now().date_naive();
    let town = fangpin_app::township::generate(args.seed, args.households, today);
    let mut names: Vec<(String, String)> = town
        .villages
        .iter()
        .map(|v| (v.code.clone(), v.name.clone()))
        .collect();
    names.push((
        format!("{:0<12}", fangpin_app::township::TOWNSHIP),
        fangpin_app::township::TOWNSHIP_NAME.to_owned(),
    ));
    names.push((
        format!("{:0<12}", fangpin_app::township::COUNTY),
        fangpin_app::township::COUNTY_NAME.to_owned(),
    ));
    backend.set_area_names(names).await?;
    let mut accounts: Vec<(String, String, Role, Vec<String>)> = vec![
        (
            "admin".into(),
            "系统管理员".into(),
            Role::SystemAdmin,
            vec![],
        ),
        (
            "zhen".into(),
            "镇扶贫办".into(),
            Role::TownshipSupervisor,
            vec![fangpin_app::township::TOWNSHIP.into()],
        ),
        (
            "xian".into(),
            "县乡村振兴局".into(),
            Role::CountyAdmin,
            vec![fangpin_app::township::COUNTY.into()],
        ),
    ];
    for (i, o) in town.offices.iter().enumerate() {
        accounts.push((
            format!("office{}", i + 1),
            o.name.clone(),
            Role::Office,
            o.villages.clone(),
        ));
    }
    for (i, v) in town.villages.iter().enumerate() {
        accounts.push((
            format!("cadre{:02}", i + 1),
            format!("{}村干部", v.name),
            Role::VillageCadre,
            vec![v.code.clone()],
        ));
    }
    let mut importer = None;
    for (username, display_name, role, scope) in accounts {
        let req = NewUser {
            username: username.clone(),
            display_name,
            password: args.password.clone(),
            role,
            scope: Scope::new(scope),
        };
        match fangpin_server::http::new_user(&s, req).await {
            Ok(u) if username == "zhen" => importer = Some(u),
            Ok(_) => {}
            Err(e) if e.body.code == "exists" => {
                bail!("{username} exists already: the demo needs an empty database")
            }
            Err(e) => bail!("{}: {}", e.body.code, e.body.message),
        }
    }
    let user = importer.context("the supervisor account")?;
    let device = Device {
        id: uuid::Uuid::now_v7(),
        user_id: user.id,
        name: "demo import".into(),
        kind: DeviceKind::Field,
        created_ms: now_ms(),
        expires_ms: now_ms(),
        revoked_ms: None,
    };
    backend.create_device(device.clone(), String::new()).await?;
    let actor = Actor {
        user,
        device,
        policy: std::sync::Arc::new(fangpin_domain::PolicyBook::seed()),
    };
    let changes =
        fangpin_app::township::changes(&town, actor.device.id, actor.user.id, now_ms() as u64);
    let mut pushed = 0usize;
    let mut refused = 0usize;
    for batch in changes {
        let resp = backend
            .push(
                actor.clone(),
                fangpin_sync::wire::PROTOCOL_VERSION,
                batch,
                now_ms(),
            )
            .await?;
        pushed += resp.accepted as usize;
        refused += resp.refusals.len();
    }
    if refused > 0 {
        bail!("{refused} demo changes were refused");
    }
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "demo township: {} households in {} villages of {} offices; {pushed} changes",
        town.households.len(),
        town.villages.len(),
        town.offices.len()
    )?;
    let campaign = demo_campaign(&backend, &actor.user, &town, &actor.policy, today).await?;
    writeln!(
        out,
        "campaign {campaign}: 全面排查 now, each village assigned to its cadre and its 办事处"
    )?;
    writeln!(
        out,
        "accounts (password {:?}): admin, zhen (township supervisor), xian (county), office1..{}, cadre01..{:02}",
        args.password,
        town.offices.len(),
        town.villages.len()
    )?;
    Ok(())
}

/// The demo's campaign, written by the township supervisor: 制定方案 a month ago, 全面排查
/// around today, then 回访核查 and 巩固提升; each village assigned to its cadre, under its 办事处.
async fn demo_campaign(
    backend: &std::sync::Arc<dyn fangpin_server::Backend>,
    user: &fangpin_server::model::User,
    town: &fangpin_app::township::Township,
    policy: &std::sync::Arc<fangpin_domain::PolicyBook>,
    today: chrono::NaiveDate,
) -> Result<uuid::Uuid> {
    use fangpin_domain::campaign::{Phase, PhaseDates, Phases};
    use fangpin_server::office::OfficeWrite;
    use fangpin_sync::RowKey;
    use serde_json::json;
    let d = |days: i64| today + chrono::Duration::days(days);
    let phases = Phases::new(vec![
        PhaseDates {
            phase: Phase::Plan,
            from: d(-40),
            to: d(-31),
        },
        PhaseDates {
            phase: Phase::Screening,
            from: d(-30),
            to: d(30),
        },
        PhaseDates {
            phase: Phase::Recheck,
            from: d(31),
            to: d(60),
        },
        PhaseDates {
            phase: Phase::Consolidation,
            from: d(61),
            to: d(90),
        },
    ])
    .map_err(|e| anyhow::anyhow!("demo phases: {e}"))?;
    let id = uuid::Uuid::now_v7();
    let name = format!(
        "{}防止返贫监测帮扶排查整改行动",
        fangpin_app::township::TOWNSHIP_NAME
    );
    let mut writes = vec![OfficeWrite {
        row: RowKey::new("campaign", id),
        create: true,
        fields: vec![
            ("name".into(), json!(name)),
            (
                "area_code".into(),
                json!(format!("{:0<12}", fangpin_app::township::TOWNSHIP)),
            ),
            ("phases".into(), json!(phases)),
            ("focus".into(), json!(["monitored", "formerly_poor"])),
        ],
    }];
    for (i, v) in town.villages.iter().enumerate() {
        let cadre = backend
            .user_by_name(format!("cadre{:02}", i + 1))
            .await?
            .context("the demo cadre")?
            .user;
        let office = town.offices.iter().find(|o| o.villages.contains(&v.code));
        writes.push(OfficeWrite {
            row: RowKey::new("assignment", uuid::Uuid::now_v7()),
            create: true,
            fields: vec![
                ("campaign_id".into(), json!(id.to_string())),
                ("village_code".into(), json!(v.code)),
                ("duty".into(), json!("village_cadre")),
                ("person_id".into(), json!(cadre.id.to_string())),
                ("person_name".into(), json!(cadre.display_name)),
                ("office_name".into(), json!(office.map(|o| o.name.clone()))),
                ("campaign_name".into(), json!(name)),
                ("phases".into(), json!(phases)),
                ("focus".into(), json!(["monitored", "formerly_poor"])),
            ],
        });
    }
    backend
        .office_write(user.clone(), policy.clone(), writes, now_ms())
        .await?;
    Ok(id)
}
