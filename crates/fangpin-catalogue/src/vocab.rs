//! The enumerated values of the synced fields, each with its Chinese label, in the order pickers
//! show them. The values are the JSON forms of the domain's enums (docs/glossary.md); a test
//! checks each against the domain type it stands for.

/// A list of allowed values with their Chinese labels.
#[derive(Debug, PartialEq, Eq)]
pub struct Vocabulary {
    /// The name the TypeScript labels module exports it under.
    pub name: &'static str,
    /// What the values are, in Chinese (for the data dictionary).
    pub label_zh: &'static str,
    /// `(value, label)` pairs, in display order.
    pub entries: &'static [(&'static str, &'static str)],
}

impl Vocabulary {
    /// Whether `value` is one of the values.
    pub fn contains(&self, value: &str) -> bool {
        self.entries.iter().any(|(v, _)| *v == value)
    }

    /// The Chinese label of a value.
    pub fn label(&self, value: &str) -> Option<&'static str> {
        self.entries
            .iter()
            .find(|(v, _)| *v == value)
            .map(|(_, l)| *l)
    }
}

/// 户类型.
pub static HOUSEHOLD_TYPES: Vocabulary = Vocabulary {
    name: "householdTypes",
    label_zh: "户类型",
    entries: &[
        ("formerly_poor", "脱贫户"),
        ("monitored", "监测户"),
        ("ordinary", "一般农户"),
    ],
};

/// 监测对象类型.
pub static MONITORING_TYPES: Vocabulary = Vocabulary {
    name: "monitoringTypes",
    label_zh: "监测对象类型",
    entries: &[
        ("unstable_formerly_poor", "脱贫不稳定户"),
        ("marginal_at_risk", "边缘易致贫户"),
        ("sudden_hardship", "突发严重困难户"),
    ],
};

/// 房屋安全等级.
pub static HOUSE_SAFETY: Vocabulary = Vocabulary {
    name: "houseSafety",
    label_zh: "住房安全等级",
    entries: &[
        ("A", "A级（安全）"),
        ("B", "B级（安全）"),
        ("C", "C级（危房）"),
        ("D", "D级（危房）"),
    ],
};

/// 入户路.
pub static ROAD_ACCESS: Vocabulary = Vocabulary {
    name: "roadAccess",
    label_zh: "入户路",
    entries: &[
        ("hardened_to_door", "硬化路通到户"),
        ("hardened_to_group", "硬化路通到组"),
        ("unhardened", "未通硬化路"),
        ("none", "不通路"),
    ],
};

/// 饮水安全 levels.
pub static WATER_LEVELS: Vocabulary = Vocabulary {
    name: "waterLevels",
    label_zh: "饮水达标情况",
    entries: &[
        ("met", "达标"),
        ("basically_met", "基本达标"),
        ("not_met", "不达标"),
    ],
};

/// 饮水安全 aspects.
pub static WATER_ASPECTS: Vocabulary = Vocabulary {
    name: "waterAspects",
    label_zh: "饮水安全方面",
    entries: &[
        ("quantity", "水量"),
        ("convenience", "用水方便程度"),
        ("reliability", "供水保证率"),
        ("quality", "水质"),
    ],
};

/// 致贫返贫风险, national codes.
pub static RISK_TYPES: Vocabulary = Vocabulary {
    name: "riskTypes",
    label_zh: "致贫返贫风险",
    entries: &[
        ("01", "因病"),
        ("02", "因自然灾害"),
        ("0201", "洪涝"),
        ("0202", "地质灾害"),
        ("0203", "旱灾"),
        ("0204", "生物灾害"),
        ("0205", "气象灾害"),
        ("0206", "地震"),
        ("0299", "其他自然灾害"),
        ("03", "因残"),
        ("04", "因缺劳动力"),
        ("05", "因意外事故"),
        ("06", "因产业项目失败"),
        ("07", "因务工就业不稳"),
        ("09", "因学"),
        ("99", "其他"),
    ],
};

/// 性别.
pub static SEXES: Vocabulary = Vocabulary {
    name: "sexes",
    label_zh: "性别",
    entries: &[("male", "男"), ("female", "女")],
};

/// 与户主关系.
pub static RELATIONS: Vocabulary = Vocabulary {
    name: "relations",
    label_zh: "与户主关系",
    entries: &[
        ("head", "户主"),
        ("spouse", "配偶"),
        ("son", "之子"),
        ("daughter", "之女"),
        ("daughter_in_law", "之儿媳"),
        ("son_in_law", "之女婿"),
        ("grandson", "之孙子"),
        ("granddaughter", "之孙女"),
        ("maternal_grandchild", "之外孙子女"),
        ("father", "之父"),
        ("mother", "之母"),
        ("father_in_law", "之岳父/公公"),
        ("mother_in_law", "之岳母/婆婆"),
        ("grandfather", "之祖父"),
        ("grandmother", "之祖母"),
        ("sibling", "之兄弟姐妹"),
        ("other", "其他"),
    ],
};

/// 文化程度.
pub static EDUCATIONS: Vocabulary = Vocabulary {
    name: "educations",
    label_zh: "文化程度",
    entries: &[
        ("preschool_child", "学龄前儿童"),
        ("illiterate", "文盲或半文盲"),
        ("primary", "小学"),
        ("junior_secondary", "初中"),
        ("senior_secondary", "高中（含中专）"),
        ("college_or_above", "大专及以上"),
    ],
};

/// 在校生状况.
pub static STUDENT_STATUSES: Vocabulary = Vocabulary {
    name: "studentStatuses",
    label_zh: "在校生状况",
    entries: &[
        ("not_student", "非在校生"),
        ("preschool", "学前教育"),
        ("primary", "小学"),
        ("junior_secondary", "初中"),
        ("senior_secondary", "普通高中"),
        ("secondary_vocational", "中职"),
        ("higher_vocational", "高职高专"),
        ("undergraduate_or_above", "本科及以上"),
        ("home_teaching", "送教上门"),
        ("suspended_for_health", "因病休学"),
        ("dropped_out", "辍学"),
    ],
};

/// 残疾类别.
pub static DISABILITY_KINDS: Vocabulary = Vocabulary {
    name: "disabilityKinds",
    label_zh: "残疾类别",
    entries: &[
        ("visual", "视力残疾"),
        ("hearing", "听力残疾"),
        ("speech", "言语残疾"),
        ("physical", "肢体残疾"),
        ("intellectual", "智力残疾"),
        ("mental", "精神残疾"),
        ("multiple", "多重残疾"),
    ],
};

/// 劳动技能.
pub static LABOUR_CAPACITIES: Vocabulary = Vocabulary {
    name: "labourCapacities",
    label_zh: "劳动技能",
    entries: &[
        ("ordinary", "普通劳动力"),
        ("skilled", "技能劳动力"),
        ("weak", "弱劳动力或半劳动力"),
        ("lost", "丧失劳动力"),
        ("none", "无劳动力"),
    ],
};

/// 务工地点.
pub static WORK_PLACES: Vocabulary = Vocabulary {
    name: "workPlaces",
    label_zh: "务工地点",
    entries: &[
        ("within_county", "县内"),
        ("outside_county_in_province", "县外省内"),
        ("outside_province", "省外"),
        ("abroad", "境外"),
    ],
};

/// 基本医疗保险 and 基本养老保险.
pub static INSURANCES: Vocabulary = Vocabulary {
    name: "insurances",
    label_zh: "参保情况",
    entries: &[
        ("resident", "城乡居民"),
        ("employee", "职工"),
        ("none", "未参保"),
    ],
};

/// 帮扶措施, this project's two-digit codes (docs/glossary.md).
pub static MEASURES: Vocabulary = Vocabulary {
    name: "measures",
    label_zh: "帮扶措施",
    entries: &[
        ("01", "产业帮扶"),
        ("02", "就业帮扶"),
        ("03", "金融帮扶（小额信贷）"),
        ("04", "公益岗位"),
        ("05", "健康帮扶"),
        ("06", "义务教育保障"),
        ("07", "其他教育帮扶"),
        ("08", "综合保障（低保、特困）"),
        ("09", "住房安全保障"),
        ("10", "饮水安全保障"),
        ("11", "社会帮扶"),
        ("12", "搬迁"),
        ("13", "生产生活条件改善"),
        ("14", "基础设施建设"),
    ],
};

/// 两不愁三保障 and drinking water.
pub static INDICATORS: Vocabulary = Vocabulary {
    name: "indicators",
    label_zh: "两不愁三保障及饮水安全",
    entries: &[
        ("food", "不愁吃"),
        ("clothing", "不愁穿"),
        ("compulsory_education", "义务教育有保障"),
        ("basic_medical", "基本医疗有保障"),
        ("housing", "住房安全有保障"),
        ("drinking_water", "饮水安全有保障"),
    ],
};

/// 台账 status states.
pub static LEDGER_STATES: Vocabulary = Vocabulary {
    name: "ledgerStates",
    label_zh: "整改状态",
    entries: &[
        ("found", "发现"),
        ("in_progress", "整改中"),
        ("rectified", "已整改"),
        ("closed", "已销号"),
    ],
};

/// 台账 problem types.
pub static PROBLEM_TYPES: Vocabulary = Vocabulary {
    name: "problemTypes",
    label_zh: "问题类型",
    entries: &[
        ("income", "收入不稳定"),
        ("medical", "基本医疗"),
        ("education", "义务教育"),
        ("housing", "住房安全"),
        ("drinking_water", "饮水安全"),
        ("food_clothing", "吃穿保障"),
        ("policy", "政策落实"),
        ("information", "信息不准确"),
        ("other", "其他"),
    ],
};

/// 台账 sources.
pub static LEDGER_SOURCES: Vocabulary = Vocabulary {
    name: "ledgerSources",
    label_zh: "问题来源",
    entries: &[
        ("self_check", "自查"),
        ("warning", "预警"),
        ("inspection", "巡视"),
        ("audit", "审计"),
        ("petition", "信访"),
        ("assessment", "考核"),
        ("acceptance", "验收"),
        ("survey", "调研"),
    ],
};

/// Which year an income row is.
pub static INCOME_PERIODS: Vocabulary = Vocabulary {
    name: "incomePeriods",
    label_zh: "收支年度",
    entries: &[("current", "本年度"), ("previous", "上年度")],
};

/// 监测程序类型 ([`fangpin_domain::procedure::ProcedureKind`]).
pub static PROCEDURE_KINDS: Vocabulary = Vocabulary {
    name: "procedureKinds",
    label_zh: "程序类型",
    entries: &[("identification", "纳入监测"), ("elimination", "风险消除")],
};

/// 发现渠道 ([`fangpin_domain::procedure::Channel`]).
pub static CHANNELS: Vocabulary = Vocabulary {
    name: "channels",
    label_zh: "发现渠道",
    entries: &[
        ("application", "农户自主申报"),
        ("cadre_visit", "干部走访排查"),
        ("department_warning", "部门筛查预警"),
        ("other", "其他"),
    ],
};

/// 风险消除方式 ([`fangpin_domain::procedure::EliminationMethod`]).
pub static ELIMINATION_METHODS: Vocabulary = Vocabulary {
    name: "eliminationMethods",
    label_zh: "风险消除方式",
    entries: &[("after_assistance", "帮扶后消除"), ("natural", "自然消除")],
};

/// A campaign's duty for a person ([`fangpin_domain::campaign::Duty`]).
pub static DUTIES: Vocabulary = Vocabulary {
    name: "duties",
    label_zh: "排查职责",
    entries: &[
        ("office_staff", "办事处人员"),
        ("helper", "帮扶责任人"),
        ("village_cadre", "村干部"),
    ],
};

/// The groups a campaign visits first ([`fangpin_domain::campaign::Focus`]).
pub static FOCUS_GROUPS: Vocabulary = Vocabulary {
    name: "focusGroups",
    label_zh: "重点排查对象",
    entries: &[
        ("formerly_poor", "脱贫户"),
        ("monitored", "监测户"),
        ("ordinary", "一般农户"),
    ],
};

/// Where a measure stands (落实情况).
pub static MEASURE_STATUSES: Vocabulary = Vocabulary {
    name: "measureStatuses",
    label_zh: "落实情况",
    entries: &[
        ("planned", "计划实施"),
        ("in_place", "已落实"),
        ("ended", "已结束"),
    ],
};

/// Every vocabulary, for the generated labels and the data dictionary.
pub static ALL: &[&Vocabulary] = &[
    &HOUSEHOLD_TYPES,
    &MONITORING_TYPES,
    &HOUSE_SAFETY,
    &ROAD_ACCESS,
    &WATER_LEVELS,
    &WATER_ASPECTS,
    &RISK_TYPES,
    &SEXES,
    &RELATIONS,
    &EDUCATIONS,
    &STUDENT_STATUSES,
    &DISABILITY_KINDS,
    &LABOUR_CAPACITIES,
    &WORK_PLACES,
    &INSURANCES,
    &MEASURES,
    &INDICATORS,
    &LEDGER_STATES,
    &PROBLEM_TYPES,
    &LEDGER_SOURCES,
    &INCOME_PERIODS,
    &PROCEDURE_KINDS,
    &CHANNELS,
    &ELIMINATION_METHODS,
    &DUTIES,
    &FOCUS_GROUPS,
    &MEASURE_STATUSES,
];
