//! The declarations: every synced table and field. Adding a field is an entry here (with a
//! device-store migration when it gets a search column); ARCHITECTURE.md lists the other steps.

use fangpin_domain::campaign::Phases;
use fangpin_domain::household::{DrinkingWater, Helper};
use fangpin_domain::member::{Health, Work};
use fangpin_domain::procedure::{
    Appraisal, Comparison, Decision, GreenChannel, Publicity, Review, Verification,
};
use fangpin_domain::recheck::{RecheckResult, SampleSettings};
use fangpin_domain::record::BasicNeeds;
use fangpin_domain::role::Role;
use fangpin_sync::FieldRule;

use crate::kind::{shaped, Kind, Shape};
use crate::vocab::*;
use crate::{Column, Field, Source, SqlType, Table, Village};

const fn f(name: &'static str, label_zh: &'static str, kind: Kind) -> Field {
    Field {
        name,
        label_zh,
        rule: FieldRule::Register,
        kind,
        columns: &[],
        sensitive: false,
        nullable: true,
        written_by: &[],
    }
}

const fn col(name: &'static str) -> Column {
    Column {
        name,
        source: Source::Value,
        sql: SqlType::Text,
    }
}

const fn int_col(name: &'static str) -> Column {
    Column {
        name,
        source: Source::Value,
        sql: SqlType::Integer,
    }
}

const fn text(max_chars: u32) -> Kind {
    Kind::Text { max_chars }
}

const fn sensitive(field: Field) -> Field {
    Field {
        sensitive: true,
        ..field
    }
}

const fn required(field: Field) -> Field {
    Field {
        nullable: false,
        ..field
    }
}

const fn append(field: Field) -> Field {
    Field {
        rule: FieldRule::AppendLog,
        ..field
    }
}

/// The household reference every child row carries.
const HOUSEHOLD_REF: Field = required(f("household_id", "所属农户", Kind::RowId));
/// The copy of the household's village code that child rows keep for the device's queries.
const VILLAGE_COPY: Field = Field {
    columns: &[col("village_code")],
    ..f("village_code", "所属村", Kind::VillageCode)
};

static DRINKING_WATER: Shape = Shape {
    name: "drinking_water",
    check: shaped::<DrinkingWater>,
};
static HELPER: Shape = Shape {
    name: "helper",
    check: shaped::<Helper>,
};
static BASIC_NEEDS: Shape = Shape {
    name: "basic_needs",
    check: shaped::<BasicNeeds>,
};
static HEALTH: Shape = Shape {
    name: "health",
    check: shaped::<Health>,
};
static WORK: Shape = Shape {
    name: "work",
    check: shaped::<Work>,
};
static VERIFICATION: Shape = Shape {
    name: "verification",
    check: shaped::<Verification>,
};
static APPRAISAL: Shape = Shape {
    name: "appraisal",
    check: shaped::<Appraisal>,
};
static COMPARISON: Shape = Shape {
    name: "comparison",
    check: shaped::<Comparison>,
};
static PUBLICITY: Shape = Shape {
    name: "publicity",
    check: shaped::<Publicity>,
};
static REVIEW: Shape = Shape {
    name: "review",
    check: shaped::<Review>,
};
static DECISION: Shape = Shape {
    name: "decision",
    check: shaped::<Decision>,
};
static GREEN_CHANNEL: Shape = Shape {
    name: "green_channel",
    check: shaped::<GreenChannel>,
};
static PHASES: Shape = Shape {
    name: "phases",
    check: shaped::<Phases>,
};
static SAMPLE_SETTINGS: Shape = Shape {
    name: "sample_settings",
    check: shaped::<SampleSettings>,
};
static RECHECK_RESULT: Shape = Shape {
    name: "recheck_result",
    check: |v| {
        let r: RecheckResult = serde_json::from_value(v.clone()).map_err(|e| e.to_string())?;
        r.validate().map_err(|e| e.to_string())
    },
};

/// Who writes the township's records: campaigns, assignments and re-check samples.
const TOWNSHIP: &[Role] = &[Role::TownshipSupervisor, Role::CountyAdmin];
/// Who records a re-check's result: the township and its 办事处.
const RECHECKERS: &[Role] = &[Role::TownshipSupervisor, Role::CountyAdmin, Role::Office];

const fn by(roles: &'static [Role], field: Field) -> Field {
    Field {
        written_by: roles,
        ..field
    }
}

/// Every synced table.
pub static TABLES: &[Table] = &[
    Table {
        name: "household",
        label_zh: "农户",
        about: "A household (户) as screened: the household object of docs/household-json.md, one field per key, with the head's name and identity number copied for search.",
        village: Village::Own("village_code"),
        written_by: &[],
        fields: &[
            Field {
                columns: &[col("hubianhao")],
                ..f("hubianhao", "户编号", text(64))
            },
            Field {
                columns: &[col("village_code")],
                ..required(f("village_code", "所属村", Kind::VillageCode))
            },
            f("area_version_year", "区划代码年份", Kind::Int { min: 2000, max: 2100 }),
            Field {
                columns: &[col("group_name")],
                ..f("group", "组", text(32))
            },
            f("natural_village", "自然村", text(64)),
            f("address", "家庭住址", text(200)),
            Field {
                columns: &[col("household_type")],
                ..f("household_type", "户类型", Kind::Enum(&HOUSEHOLD_TYPES))
            },
            Field {
                columns: &[col("monitoring_type")],
                ..f("monitoring_type", "监测对象类型", Kind::Enum(&MONITORING_TYPES))
            },
            sensitive(f("phone", "联系电话", text(32))),
            f("house_safety", "住房安全等级", Kind::Enum(&HOUSE_SAFETY)),
            f(
                "cultivated_land_hundredths_mu",
                "耕地面积（0.01亩）",
                Kind::Int { min: 0, max: 100_000_000 },
            ),
            f("road_access", "入户路", Kind::Enum(&ROAD_ACCESS)),
            f("drinking_water", "饮水安全", Kind::Object(&DRINKING_WATER)),
            f("helper", "帮扶责任人", Kind::Object(&HELPER)),
            f(
                "risk_types",
                "致贫返贫风险",
                Kind::List(&Kind::Enum(&RISK_TYPES), 5),
            ),
            Field {
                columns: &[col("head_name")],
                ..f("head_name", "户主姓名", text(64))
            },
            Field {
                columns: &[
                    col("head_id_number"),
                    Column {
                        name: "head_id_rev",
                        source: Source::Reversed,
                        sql: SqlType::Text,
                    },
                ],
                ..sensitive(f("head_id_number", "户主身份证号", Kind::IdNumber))
            },
            f("basic_needs", "不愁吃不愁穿", Kind::Object(&BASIC_NEEDS)),
            f("monitoring_since", "识别监测时间", Kind::Date),
            f("risk_eliminated_on", "消除监测时间", Kind::Date),
            f(
                "elimination_method",
                "风险消除方式",
                Kind::Enum(&ELIMINATION_METHODS),
            ),
            Field {
                columns: &[col("screened_on")],
                ..f("screened_on", "排查日期", Kind::Date)
            },
            f("screened_by", "排查人", text(64)),
            append(f("visit_notes", "走访记录", text(2000))),
        ],
    },
    Table {
        name: "member",
        label_zh: "家庭成员",
        about: "A member of a household: the keys of a member in the JSON form, with its order in the form.",
        village: Village::Household("household_id"),
        written_by: &[],
        fields: &[
            HOUSEHOLD_REF,
            f("position", "排序", Kind::Int { min: 0, max: 1000 }),
            Field {
                columns: &[col("name")],
                ..f("name", "姓名", text(64))
            },
            f("sex", "性别", Kind::Enum(&SEXES)),
            Field {
                columns: &[
                    col("id_number"),
                    Column {
                        name: "id_rev",
                        source: Source::Reversed,
                        sql: SqlType::Text,
                    },
                ],
                ..sensitive(f("id_number", "身份证号", Kind::IdNumber))
            },
            Field {
                columns: &[col("relation")],
                ..f("relation", "与户主关系", Kind::Enum(&RELATIONS))
            },
            f("ethnicity", "民族", text(16)),
            f("education", "文化程度", Kind::Enum(&EDUCATIONS)),
            f("student_status", "在校生状况", Kind::Enum(&STUDENT_STATUSES)),
            sensitive(f("health", "健康状况", Kind::Object(&HEALTH))),
            f("labour_capacity", "劳动技能", Kind::Enum(&LABOUR_CAPACITIES)),
            f("skill", "技能特长", text(64)),
            f("work", "务工情况", Kind::Object(&WORK)),
            f("medical_insurance", "基本医疗保险", Kind::Enum(&INSURANCES)),
            f("serious_illness_insurance", "大病保险", Kind::Bool),
            f("pension_insurance", "基本养老保险", Kind::Enum(&INSURANCES)),
            f("family_doctor_signed", "家庭医生签约", Kind::Bool),
            sensitive(f("dibao", "享受低保", Kind::Bool)),
            sensitive(f("tekun", "特困供养", Kind::Bool)),
            f("relocated", "易地扶贫搬迁", Kind::Bool),
            f("public_welfare_job", "公益岗位", Kind::Bool),
        ],
    },
    Table {
        name: "income_year",
        label_zh: "家庭收支",
        about: "A household's income and spending for one year, in fen; net and per-capita income are derived, never synced.",
        village: Village::Household("household_id"),
        written_by: &[],
        fields: &[
            HOUSEHOLD_REF,
            f("period", "收支年度", Kind::Enum(&INCOME_PERIODS)),
            Field {
                columns: &[int_col("year")],
                ..f("year", "年度", Kind::Int { min: 2000, max: 2100 })
            },
            sensitive(f("wage_fen", "工资性收入", Kind::Fen)),
            sensitive(f("business_fen", "生产经营性收入", Kind::Fen)),
            sensitive(f("property_fen", "财产性收入", Kind::Fen)),
            sensitive(f("transfer_fen", "转移性收入", Kind::Fen)),
            sensitive(f("business_spending_fen", "生产经营性支出", Kind::Fen)),
            sensitive(f("medical_out_of_pocket_fen", "合规自付医疗支出", Kind::Fen)),
        ],
    },
    Table {
        name: "ledger_item",
        label_zh: "问题台账",
        about: "A problem found at a household and its rectification (整改销号).",
        village: Village::Household("household_id"),
        written_by: &[],
        fields: &[
            HOUSEHOLD_REF,
            VILLAGE_COPY,
            f("source", "问题来源", Kind::Enum(&LEDGER_SOURCES)),
            f("problem_type", "问题类型", Kind::Enum(&PROBLEM_TYPES)),
            f("description", "问题描述", text(1000)),
            f("measure", "整改措施", text(1000)),
            f("responsible_unit", "责任单位", text(100)),
            f("responsible_person", "责任人", text(64)),
            Field {
                columns: &[col("deadline")],
                ..f("deadline", "整改时限", Kind::Date)
            },
            Field {
                rule: FieldRule::Status,
                columns: &[
                    Column {
                        name: "status_state",
                        source: Source::Key("state"),
                        sql: SqlType::Text,
                    },
                    Column {
                        name: "status_round",
                        source: Source::Key("round"),
                        sql: SqlType::Integer,
                    },
                ],
                ..f("status", "整改状态", Kind::LedgerStatus)
            },
            append(f("evidence", "佐证照片", Kind::Attachment)),
            append(f("progress_notes", "整改进展", text(2000))),
            Field {
                columns: &[col("closed_on")],
                ..f("closed_on", "销号日期", Kind::Date)
            },
            f("checked_by", "验收人", text(64)),
        ],
    },
    Table {
        name: "visit",
        label_zh: "走访记录",
        about: "One visit at the door: who came, when, the note, the photos and the household's signature.",
        village: Village::Household("household_id"),
        written_by: &[],
        fields: &[
            HOUSEHOLD_REF,
            VILLAGE_COPY,
            Field {
                columns: &[col("visited_on")],
                ..f("visited_on", "走访日期", Kind::Date)
            },
            f("visitor", "走访人", text(64)),
            f("note", "走访情况", text(2000)),
            f("photos", "照片", Kind::List(&Kind::Attachment, 20)),
            f("signature", "农户签字", Kind::Attachment),
        ],
    },
    Table {
        name: "indicator",
        label_zh: "两不愁三保障",
        about: "One 两不愁三保障 or drinking-water indicator of a household as a cadre recorded it.",
        village: Village::Household("household_id"),
        written_by: &[],
        fields: &[
            HOUSEHOLD_REF,
            Field {
                columns: &[col("indicator")],
                ..f("indicator", "指标", text(32))
            },
            Field {
                columns: &[col("status")],
                ..f("status", "达标情况", text(32))
            },
            f("note", "说明", text(1000)),
        ],
    },
    Table {
        name: "risk",
        label_zh: "致贫返贫风险",
        about: "A risk a household carries.",
        village: Village::Household("household_id"),
        written_by: &[],
        fields: &[
            HOUSEHOLD_REF,
            Field {
                columns: &[col("risk_type")],
                ..f("risk_type", "风险类型", text(8))
            },
            f("note", "说明", text(1000)),
        ],
    },
    Table {
        name: "measure",
        label_zh: "帮扶措施",
        about: "An assistance measure for a household.",
        village: Village::Household("household_id"),
        written_by: &[],
        fields: &[
            HOUSEHOLD_REF,
            Field {
                columns: &[col("kind")],
                ..f("kind", "措施类型", text(32))
            },
            Field {
                columns: &[col("status")],
                ..f("status", "落实情况", Kind::Enum(&MEASURE_STATUSES))
            },
            f("note", "说明", text(1000)),
        ],
    },
    Table {
        name: "procedure",
        label_zh: "监测程序",
        about: "A 纳入监测 or 风险消除 procedure of a household: how it was found, and each step's record in its own field (fangpin_domain::procedure).",
        village: Village::Household("household_id"),
        written_by: &[],
        fields: &[
            HOUSEHOLD_REF,
            Field {
                columns: &[col("kind")],
                ..f("kind", "程序类型", Kind::Enum(&PROCEDURE_KINDS))
            },
            f("channel", "发现渠道", Kind::Enum(&CHANNELS)),
            f("warning_id", "关联预警", Kind::RowId),
            f("started_on", "发现日期", Kind::Date),
            f("green_channel", "绿色通道", Kind::Object(&GREEN_CHANNEL)),
            f("verification", "入户核实", Kind::Object(&VERIFICATION)),
            f("appraisal", "民主评议", Kind::Object(&APPRAISAL)),
            f("comparison", "信息比对", Kind::Object(&COMPARISON)),
            f("publicity", "村级公示", Kind::Object(&PUBLICITY)),
            f("township_review", "乡镇审核", Kind::Object(&REVIEW)),
            f("county_decision", "县级审定", Kind::Object(&DECISION)),
        ],
    },
    Table {
        name: "campaign",
        label_zh: "排查整改行动",
        about: "A township's campaign: its area, its four phases, the groups visited first and how its re-check sample is drawn. Its row belongs to the township's 12-digit code, so village users do not hold it; each village's assignment copies what a device needs.",
        village: Village::Own("area_code"),
        written_by: TOWNSHIP,
        fields: &[
            by(TOWNSHIP, required(f("name", "行动名称", text(100)))),
            by(TOWNSHIP, required(f("area_code", "行动范围", Kind::AreaCode))),
            by(TOWNSHIP, f("phases", "阶段安排", Kind::Object(&PHASES))),
            by(
                TOWNSHIP,
                f("focus", "重点排查对象", Kind::List(&Kind::Enum(&FOCUS_GROUPS), 3)),
            ),
            by(TOWNSHIP, f("recheck_sample", "回访核查抽样", Kind::Object(&SAMPLE_SETTINGS))),
            by(
                TOWNSHIP,
                f("recheck_seed", "抽样种子", Kind::Int { min: 0, max: i64::MAX }),
            ),
        ],
    },
    Table {
        name: "assignment",
        label_zh: "排查任务分工",
        about: "Who answers for a village in a campaign, in which duty, and which households (none named: the whole village), with the campaign's name and phases copied for the device.",
        village: Village::Own("village_code"),
        written_by: TOWNSHIP,
        fields: &[
            by(TOWNSHIP, required(f("campaign_id", "所属行动", Kind::RowId))),
            Field {
                columns: &[col("village_code")],
                ..by(TOWNSHIP, required(f("village_code", "所属村", Kind::VillageCode)))
            },
            by(TOWNSHIP, f("duty", "排查职责", Kind::Enum(&DUTIES))),
            Field {
                columns: &[col("person_id")],
                ..by(TOWNSHIP, f("person_id", "责任人账号", text(36)))
            },
            by(TOWNSHIP, f("person_name", "责任人", text(64))),
            by(TOWNSHIP, f("office_name", "所属办事处", text(64))),
            by(TOWNSHIP, f("households", "包户", Kind::List(&Kind::RowId, 1000))),
            by(TOWNSHIP, f("campaign_name", "行动名称", text(100))),
            by(TOWNSHIP, f("phases", "阶段安排", Kind::Object(&PHASES))),
            by(
                TOWNSHIP,
                f("focus", "重点排查对象", Kind::List(&Kind::Enum(&FOCUS_GROUPS), 3)),
            ),
        ],
    },
    Table {
        name: "recheck",
        label_zh: "回访核查",
        about: "A household drawn for the township's re-check, with its place in the draw and the re-checker's result.",
        village: Village::Household("household_id"),
        written_by: RECHECKERS,
        fields: &[
            by(TOWNSHIP, HOUSEHOLD_REF),
            by(TOWNSHIP, VILLAGE_COPY),
            by(TOWNSHIP, required(f("campaign_id", "所属行动", Kind::RowId))),
            by(TOWNSHIP, f("rank", "抽样顺序", Kind::Int { min: 0, max: 1_000_000 })),
            by(RECHECKERS, f("result", "核查结果", Kind::Object(&RECHECK_RESULT))),
        ],
    },
    Table {
        name: "warning",
        label_zh: "预警",
        about: "A warning raised from department data for a household.",
        village: Village::Household("household_id"),
        written_by: &[],
        fields: &[
            HOUSEHOLD_REF,
            VILLAGE_COPY,
            Field {
                columns: &[col("kind")],
                ..f("kind", "预警类型", text(32))
            },
            Field {
                columns: &[col("state")],
                ..f("state", "处理状态", text(32))
            },
            Field {
                columns: &[col("raised_on")],
                ..f("raised_on", "预警日期", Kind::Date)
            },
            f("note", "说明", text(1000)),
        ],
    },
    Table {
        name: "verification_task",
        label_zh: "核实任务",
        about: "A task to verify a warning at the door, assigned to a cadre.",
        village: Village::Household("household_id"),
        written_by: &[],
        fields: &[
            HOUSEHOLD_REF,
            VILLAGE_COPY,
            Field {
                columns: &[col("assignee")],
                ..f("assignee", "核实人", text(64))
            },
            Field {
                columns: &[col("state")],
                ..f("state", "处理状态", text(32))
            },
            Field {
                columns: &[col("due_on")],
                ..f("due_on", "完成时限", Kind::Date)
            },
            f("note", "说明", text(1000)),
        ],
    },
];
