// Generated from crates/fangpin-catalogue; do not edit. A test fails when this file differs;
// FANGPIN_UPDATE_GENERATED=1 cargo test -p fangpin-catalogue rewrites it.

export interface Option {
  value: string;
  text: string;
}

/** 户类型 */
export const householdTypes: Option[] = [
  { value: 'formerly_poor', text: '脱贫户' },
  { value: 'monitored', text: '监测户' },
  { value: 'ordinary', text: '一般农户' },
];

/** 监测对象类型 */
export const monitoringTypes: Option[] = [
  { value: 'unstable_formerly_poor', text: '脱贫不稳定户' },
  { value: 'marginal_at_risk', text: '边缘易致贫户' },
  { value: 'sudden_hardship', text: '突发严重困难户' },
];

/** 住房安全等级 */
export const houseSafety: Option[] = [
  { value: 'A', text: 'A级（安全）' },
  { value: 'B', text: 'B级（安全）' },
  { value: 'C', text: 'C级（危房）' },
  { value: 'D', text: 'D级（危房）' },
];

/** 入户路 */
export const roadAccess: Option[] = [
  { value: 'hardened_to_door', text: '硬化路通到户' },
  { value: 'hardened_to_group', text: '硬化路通到组' },
  { value: 'unhardened', text: '未通硬化路' },
  { value: 'none', text: '不通路' },
];

/** 饮水达标情况 */
export const waterLevels: Option[] = [
  { value: 'met', text: '达标' },
  { value: 'basically_met', text: '基本达标' },
  { value: 'not_met', text: '不达标' },
];

/** 饮水安全方面 */
export const waterAspects: Option[] = [
  { value: 'quantity', text: '水量' },
  { value: 'convenience', text: '用水方便程度' },
  { value: 'reliability', text: '供水保证率' },
  { value: 'quality', text: '水质' },
];

/** 致贫返贫风险 */
export const riskTypes: Option[] = [
  { value: '01', text: '因病' },
  { value: '02', text: '因自然灾害' },
  { value: '0201', text: '洪涝' },
  { value: '0202', text: '地质灾害' },
  { value: '0203', text: '旱灾' },
  { value: '0204', text: '生物灾害' },
  { value: '0205', text: '气象灾害' },
  { value: '0206', text: '地震' },
  { value: '0299', text: '其他自然灾害' },
  { value: '03', text: '因残' },
  { value: '04', text: '因缺劳动力' },
  { value: '05', text: '因意外事故' },
  { value: '06', text: '因产业项目失败' },
  { value: '07', text: '因务工就业不稳' },
  { value: '09', text: '因学' },
  { value: '99', text: '其他' },
];

/** 性别 */
export const sexes: Option[] = [
  { value: 'male', text: '男' },
  { value: 'female', text: '女' },
];

/** 与户主关系 */
export const relations: Option[] = [
  { value: 'head', text: '户主' },
  { value: 'spouse', text: '配偶' },
  { value: 'son', text: '之子' },
  { value: 'daughter', text: '之女' },
  { value: 'daughter_in_law', text: '之儿媳' },
  { value: 'son_in_law', text: '之女婿' },
  { value: 'grandson', text: '之孙子' },
  { value: 'granddaughter', text: '之孙女' },
  { value: 'maternal_grandchild', text: '之外孙子女' },
  { value: 'father', text: '之父' },
  { value: 'mother', text: '之母' },
  { value: 'father_in_law', text: '之岳父/公公' },
  { value: 'mother_in_law', text: '之岳母/婆婆' },
  { value: 'grandfather', text: '之祖父' },
  { value: 'grandmother', text: '之祖母' },
  { value: 'sibling', text: '之兄弟姐妹' },
  { value: 'other', text: '其他' },
];

/** 文化程度 */
export const educations: Option[] = [
  { value: 'preschool_child', text: '学龄前儿童' },
  { value: 'illiterate', text: '文盲或半文盲' },
  { value: 'primary', text: '小学' },
  { value: 'junior_secondary', text: '初中' },
  { value: 'senior_secondary', text: '高中（含中专）' },
  { value: 'college_or_above', text: '大专及以上' },
];

/** 在校生状况 */
export const studentStatuses: Option[] = [
  { value: 'not_student', text: '非在校生' },
  { value: 'preschool', text: '学前教育' },
  { value: 'primary', text: '小学' },
  { value: 'junior_secondary', text: '初中' },
  { value: 'senior_secondary', text: '普通高中' },
  { value: 'secondary_vocational', text: '中职' },
  { value: 'higher_vocational', text: '高职高专' },
  { value: 'undergraduate_or_above', text: '本科及以上' },
  { value: 'home_teaching', text: '送教上门' },
  { value: 'suspended_for_health', text: '因病休学' },
  { value: 'dropped_out', text: '辍学' },
];

/** 残疾类别 */
export const disabilityKinds: Option[] = [
  { value: 'visual', text: '视力残疾' },
  { value: 'hearing', text: '听力残疾' },
  { value: 'speech', text: '言语残疾' },
  { value: 'physical', text: '肢体残疾' },
  { value: 'intellectual', text: '智力残疾' },
  { value: 'mental', text: '精神残疾' },
  { value: 'multiple', text: '多重残疾' },
];

/** 劳动技能 */
export const labourCapacities: Option[] = [
  { value: 'ordinary', text: '普通劳动力' },
  { value: 'skilled', text: '技能劳动力' },
  { value: 'weak', text: '弱劳动力或半劳动力' },
  { value: 'lost', text: '丧失劳动力' },
  { value: 'none', text: '无劳动力' },
];

/** 务工地点 */
export const workPlaces: Option[] = [
  { value: 'within_county', text: '县内' },
  { value: 'outside_county_in_province', text: '县外省内' },
  { value: 'outside_province', text: '省外' },
  { value: 'abroad', text: '境外' },
];

/** 参保情况 */
export const insurances: Option[] = [
  { value: 'resident', text: '城乡居民' },
  { value: 'employee', text: '职工' },
  { value: 'none', text: '未参保' },
];

/** 帮扶措施 */
export const measures: Option[] = [
  { value: '01', text: '产业帮扶' },
  { value: '02', text: '就业帮扶' },
  { value: '03', text: '金融帮扶（小额信贷）' },
  { value: '04', text: '公益岗位' },
  { value: '05', text: '健康帮扶' },
  { value: '06', text: '义务教育保障' },
  { value: '07', text: '其他教育帮扶' },
  { value: '08', text: '综合保障（低保、特困）' },
  { value: '09', text: '住房安全保障' },
  { value: '10', text: '饮水安全保障' },
  { value: '11', text: '社会帮扶' },
  { value: '12', text: '搬迁' },
  { value: '13', text: '生产生活条件改善' },
  { value: '14', text: '基础设施建设' },
];

/** 两不愁三保障及饮水安全 */
export const indicators: Option[] = [
  { value: 'food', text: '不愁吃' },
  { value: 'clothing', text: '不愁穿' },
  { value: 'compulsory_education', text: '义务教育有保障' },
  { value: 'basic_medical', text: '基本医疗有保障' },
  { value: 'housing', text: '住房安全有保障' },
  { value: 'drinking_water', text: '饮水安全有保障' },
];

/** 整改状态 */
export const ledgerStates: Option[] = [
  { value: 'found', text: '发现' },
  { value: 'in_progress', text: '整改中' },
  { value: 'rectified', text: '已整改' },
  { value: 'closed', text: '已销号' },
];

/** 问题类型 */
export const problemTypes: Option[] = [
  { value: 'income', text: '收入不稳定' },
  { value: 'medical', text: '基本医疗' },
  { value: 'education', text: '义务教育' },
  { value: 'housing', text: '住房安全' },
  { value: 'drinking_water', text: '饮水安全' },
  { value: 'food_clothing', text: '吃穿保障' },
  { value: 'policy', text: '政策落实' },
  { value: 'information', text: '信息不准确' },
  { value: 'other', text: '其他' },
];

/** 问题来源 */
export const ledgerSources: Option[] = [
  { value: 'self_check', text: '自查' },
  { value: 'warning', text: '预警' },
  { value: 'inspection', text: '巡视' },
  { value: 'audit', text: '审计' },
  { value: 'petition', text: '信访' },
  { value: 'assessment', text: '考核' },
  { value: 'acceptance', text: '验收' },
  { value: 'survey', text: '调研' },
];

/** 收支年度 */
export const incomePeriods: Option[] = [
  { value: 'current', text: '本年度' },
  { value: 'previous', text: '上年度' },
];

/** 程序类型 */
export const procedureKinds: Option[] = [
  { value: 'identification', text: '纳入监测' },
  { value: 'elimination', text: '风险消除' },
];

/** 发现渠道 */
export const channels: Option[] = [
  { value: 'application', text: '农户自主申报' },
  { value: 'cadre_visit', text: '干部走访排查' },
  { value: 'department_warning', text: '部门筛查预警' },
  { value: 'other', text: '其他' },
];

/** 风险消除方式 */
export const eliminationMethods: Option[] = [
  { value: 'after_assistance', text: '帮扶后消除' },
  { value: 'natural', text: '自然消除' },
];

/** 排查职责 */
export const duties: Option[] = [
  { value: 'office_staff', text: '办事处人员' },
  { value: 'helper', text: '帮扶责任人' },
  { value: 'village_cadre', text: '村干部' },
];

/** 重点排查对象 */
export const focusGroups: Option[] = [
  { value: 'formerly_poor', text: '脱贫户' },
  { value: 'monitored', text: '监测户' },
  { value: 'ordinary', text: '一般农户' },
];

/** 落实情况 */
export const measureStatuses: Option[] = [
  { value: 'planned', text: '计划实施' },
  { value: 'in_place', text: '已落实' },
  { value: 'ended', text: '已结束' },
];

/** The Chinese name of each account role (fangpin_domain::role). */
export const roleNames: Record<string, string> = {
  village_cadre: '村干部',
  helper: '帮扶责任人',
  office: '办事处',
  township_supervisor: '镇扶贫办',
  county_admin: '县级管理员',
  system_admin: '系统管理员',
};

/** The Chinese name of every synced table. */
export const tableLabels: Record<string, string> = {
  household: '农户',
  member: '家庭成员',
  income_year: '家庭收支',
  ledger_item: '问题台账',
  visit: '走访记录',
  indicator: '两不愁三保障',
  risk: '致贫返贫风险',
  measure: '帮扶措施',
  procedure: '监测程序',
  campaign: '排查整改行动',
  assignment: '排查任务分工',
  recheck: '回访核查',
  warning: '预警',
  verification_task: '核实任务',
};

/** The Chinese label of every synced field, by table. */
export const fieldLabels: Record<string, Record<string, string>> = {
  household: {
    $alive: '记录是否保留',
    hubianhao: '户编号',
    village_code: '所属村',
    area_version_year: '区划代码年份',
    group: '组',
    natural_village: '自然村',
    address: '家庭住址',
    household_type: '户类型',
    monitoring_type: '监测对象类型',
    phone: '联系电话',
    house_safety: '住房安全等级',
    cultivated_land_hundredths_mu: '耕地面积（0.01亩）',
    road_access: '入户路',
    drinking_water: '饮水安全',
    helper: '帮扶责任人',
    risk_types: '致贫返贫风险',
    head_name: '户主姓名',
    head_id_number: '户主身份证号',
    basic_needs: '不愁吃不愁穿',
    monitoring_since: '识别监测时间',
    risk_eliminated_on: '消除监测时间',
    elimination_method: '风险消除方式',
    screened_on: '排查日期',
    screened_by: '排查人',
    visit_notes: '走访记录',
  },
  member: {
    $alive: '记录是否保留',
    household_id: '所属农户',
    position: '排序',
    name: '姓名',
    sex: '性别',
    id_number: '身份证号',
    relation: '与户主关系',
    ethnicity: '民族',
    education: '文化程度',
    student_status: '在校生状况',
    health: '健康状况',
    labour_capacity: '劳动技能',
    skill: '技能特长',
    work: '务工情况',
    medical_insurance: '基本医疗保险',
    serious_illness_insurance: '大病保险',
    pension_insurance: '基本养老保险',
    family_doctor_signed: '家庭医生签约',
    dibao: '享受低保',
    tekun: '特困供养',
    relocated: '易地扶贫搬迁',
    public_welfare_job: '公益岗位',
  },
  income_year: {
    $alive: '记录是否保留',
    household_id: '所属农户',
    period: '收支年度',
    year: '年度',
    wage_fen: '工资性收入',
    business_fen: '生产经营性收入',
    property_fen: '财产性收入',
    transfer_fen: '转移性收入',
    business_spending_fen: '生产经营性支出',
    medical_out_of_pocket_fen: '合规自付医疗支出',
  },
  ledger_item: {
    $alive: '记录是否保留',
    household_id: '所属农户',
    village_code: '所属村',
    source: '问题来源',
    problem_type: '问题类型',
    description: '问题描述',
    measure: '整改措施',
    responsible_unit: '责任单位',
    responsible_person: '责任人',
    deadline: '整改时限',
    status: '整改状态',
    evidence: '佐证照片',
    progress_notes: '整改进展',
    closed_on: '销号日期',
    checked_by: '验收人',
  },
  visit: {
    $alive: '记录是否保留',
    household_id: '所属农户',
    village_code: '所属村',
    visited_on: '走访日期',
    visitor: '走访人',
    note: '走访情况',
    photos: '照片',
    signature: '农户签字',
  },
  indicator: {
    $alive: '记录是否保留',
    household_id: '所属农户',
    indicator: '指标',
    status: '达标情况',
    note: '说明',
  },
  risk: {
    $alive: '记录是否保留',
    household_id: '所属农户',
    risk_type: '风险类型',
    note: '说明',
  },
  measure: {
    $alive: '记录是否保留',
    household_id: '所属农户',
    kind: '措施类型',
    status: '落实情况',
    note: '说明',
  },
  procedure: {
    $alive: '记录是否保留',
    household_id: '所属农户',
    kind: '程序类型',
    channel: '发现渠道',
    warning_id: '关联预警',
    started_on: '发现日期',
    green_channel: '绿色通道',
    verification: '入户核实',
    appraisal: '民主评议',
    comparison: '信息比对',
    publicity: '村级公示',
    township_review: '乡镇审核',
    county_decision: '县级审定',
  },
  campaign: {
    $alive: '记录是否保留',
    name: '行动名称',
    area_code: '行动范围',
    phases: '阶段安排',
    focus: '重点排查对象',
    recheck_sample: '回访核查抽样',
    recheck_seed: '抽样种子',
  },
  assignment: {
    $alive: '记录是否保留',
    campaign_id: '所属行动',
    village_code: '所属村',
    duty: '排查职责',
    person_id: '责任人账号',
    person_name: '责任人',
    office_name: '所属办事处',
    households: '包户',
    campaign_name: '行动名称',
    phases: '阶段安排',
    focus: '重点排查对象',
  },
  recheck: {
    $alive: '记录是否保留',
    household_id: '所属农户',
    village_code: '所属村',
    campaign_id: '所属行动',
    rank: '抽样顺序',
    result: '核查结果',
  },
  warning: {
    $alive: '记录是否保留',
    household_id: '所属农户',
    village_code: '所属村',
    kind: '预警类型',
    state: '处理状态',
    raised_on: '预警日期',
    note: '说明',
  },
  verification_task: {
    $alive: '记录是否保留',
    household_id: '所属农户',
    village_code: '所属村',
    assignee: '核实人',
    state: '处理状态',
    due_on: '完成时限',
    note: '说明',
  },
};

/** The vocabulary of each enumerated field, by table. */
export const fieldVocabularies: Record<string, Record<string, Option[]>> = {
  household: {
    household_type: householdTypes,
    monitoring_type: monitoringTypes,
    house_safety: houseSafety,
    road_access: roadAccess,
    risk_types: riskTypes,
    elimination_method: eliminationMethods,
  },
  member: {
    sex: sexes,
    relation: relations,
    education: educations,
    student_status: studentStatuses,
    labour_capacity: labourCapacities,
    medical_insurance: insurances,
    pension_insurance: insurances,
  },
  income_year: {
    period: incomePeriods,
  },
  ledger_item: {
    source: ledgerSources,
    problem_type: problemTypes,
  },
  measure: {
    status: measureStatuses,
  },
  procedure: {
    kind: procedureKinds,
    channel: channels,
  },
  campaign: {
    focus: focusGroups,
  },
  assignment: {
    duty: duties,
    focus: focusGroups,
  },
};
