//! The declarations: every synced table and field. Adding a field is an entry here (with a
//! device-store migration when it gets a search column); ARCHITECTURE.md lists the other steps.

use fangpin_domain::household::{DrinkingWater, Helper};
use fangpin_domain::member::{Health, Work};
use fangpin_domain::record::BasicNeeds;
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
static STEP: Shape = Shape {
    name: "procedure step",
    check: |_| Ok(()),
};

/// Every synced table.
pub static TABLES: &[Table] = &[
    Table {
        name: "household",
        label_zh: "农户",
        about: "A household (户) as screened: the household object of docs/household-json.md, one field per key, with the head's name and identity number copied for search.",
        village: Village::Own("village_code"),
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
        fields: &[
            HOUSEHOLD_REF,
            Field {
                columns: &[col("kind")],
                ..f("kind", "措施类型", text(32))
            },
            Field {
                columns: &[col("status")],
                ..f("status", "落实情况", text(32))
            },
            f("note", "说明", text(1000)),
        ],
    },
    Table {
        name: "procedure",
        label_zh: "监测程序",
        about: "A 纳入监测 or 风险消除 procedure of a household, with its steps as an append-only log.",
        village: Village::Household("household_id"),
        fields: &[
            HOUSEHOLD_REF,
            Field {
                columns: &[col("kind")],
                ..f("kind", "程序类型", text(32))
            },
            append(f("steps", "程序步骤", Kind::Object(&STEP))),
        ],
    },
    Table {
        name: "warning",
        label_zh: "预警",
        about: "A warning raised from department data for a household.",
        village: Village::Household("household_id"),
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
