// Chinese labels for every enumerated value of the household JSON form (docs/glossary.md).
// The order of each list is the order shown in pickers.

export interface Option {
  value: string;
  text: string;
}

function opts(pairs: [string, string][]): Option[] {
  return pairs.map(([value, text]) => ({ value, text }));
}

export const householdTypes = opts([
  ['formerly_poor', '脱贫户'],
  ['monitored', '监测户'],
  ['ordinary', '一般农户'],
]);

export const monitoringTypes = opts([
  ['unstable_formerly_poor', '脱贫不稳定户'],
  ['marginal_at_risk', '边缘易致贫户'],
  ['sudden_hardship', '突发严重困难户'],
]);

export const houseSafety = opts([
  ['A', 'A级（安全）'],
  ['B', 'B级（安全）'],
  ['C', 'C级（危房）'],
  ['D', 'D级（危房）'],
]);

export const roadAccess = opts([
  ['hardened_to_door', '硬化路通到户'],
  ['hardened_to_group', '硬化路通到组'],
  ['unhardened', '未通硬化路'],
  ['none', '不通路'],
]);

export const waterLevels = opts([
  ['met', '达标'],
  ['basically_met', '基本达标'],
  ['not_met', '不达标'],
]);

export const waterAspects = opts([
  ['quantity', '水量'],
  ['convenience', '用水方便程度'],
  ['reliability', '供水保证率'],
  ['quality', '水质'],
]);

export const riskTypes = opts([
  ['01', '因病'],
  ['02', '因自然灾害'],
  ['0201', '洪涝'],
  ['0202', '地质灾害'],
  ['0203', '旱灾'],
  ['0204', '生物灾害'],
  ['0205', '气象灾害'],
  ['0206', '地震'],
  ['0299', '其他自然灾害'],
  ['03', '因残'],
  ['04', '因缺劳动力'],
  ['05', '因意外事故'],
  ['06', '因产业项目失败'],
  ['07', '因务工就业不稳'],
  ['09', '因学'],
  ['99', '其他'],
]);

export const sexes = opts([
  ['male', '男'],
  ['female', '女'],
]);

export const relations = opts([
  ['head', '户主'],
  ['spouse', '配偶'],
  ['son', '之子'],
  ['daughter', '之女'],
  ['daughter_in_law', '之儿媳'],
  ['son_in_law', '之女婿'],
  ['grandson', '之孙子'],
  ['granddaughter', '之孙女'],
  ['maternal_grandchild', '之外孙子女'],
  ['father', '之父'],
  ['mother', '之母'],
  ['father_in_law', '之岳父/公公'],
  ['mother_in_law', '之岳母/婆婆'],
  ['grandfather', '之祖父'],
  ['grandmother', '之祖母'],
  ['sibling', '之兄弟姐妹'],
  ['other', '其他'],
]);

export const educations = opts([
  ['preschool_child', '学龄前儿童'],
  ['illiterate', '文盲或半文盲'],
  ['primary', '小学'],
  ['junior_secondary', '初中'],
  ['senior_secondary', '高中（含中专）'],
  ['college_or_above', '大专及以上'],
]);

export const studentStatuses = opts([
  ['not_student', '非在校生'],
  ['preschool', '学前教育'],
  ['primary', '小学'],
  ['junior_secondary', '初中'],
  ['senior_secondary', '普通高中'],
  ['secondary_vocational', '中职'],
  ['higher_vocational', '高职高专'],
  ['undergraduate_or_above', '本科及以上'],
  ['home_teaching', '送教上门'],
  ['suspended_for_health', '因病休学'],
  ['dropped_out', '辍学'],
]);

export const disabilityKinds = opts([
  ['visual', '视力残疾'],
  ['hearing', '听力残疾'],
  ['speech', '言语残疾'],
  ['physical', '肢体残疾'],
  ['intellectual', '智力残疾'],
  ['mental', '精神残疾'],
  ['multiple', '多重残疾'],
]);

export const labourCapacities = opts([
  ['ordinary', '普通劳动力'],
  ['skilled', '技能劳动力'],
  ['weak', '弱劳动力或半劳动力'],
  ['lost', '丧失劳动力'],
  ['none', '无劳动力'],
]);

export const workPlaces = opts([
  ['within_county', '县内'],
  ['outside_county_in_province', '县外省内'],
  ['outside_province', '省外'],
  ['abroad', '境外'],
]);

export const insurances = opts([
  ['resident', '城乡居民'],
  ['employee', '职工'],
  ['none', '未参保'],
]);

export const measures = opts([
  ['01', '产业帮扶'],
  ['02', '就业帮扶'],
  ['03', '金融帮扶（小额信贷）'],
  ['04', '公益岗位'],
  ['05', '健康帮扶'],
  ['06', '义务教育保障'],
  ['07', '其他教育帮扶'],
  ['08', '综合保障（低保、特困）'],
  ['09', '住房安全保障'],
  ['10', '饮水安全保障'],
  ['11', '社会帮扶'],
  ['12', '搬迁'],
  ['13', '生产生活条件改善'],
  ['14', '基础设施建设'],
]);

export const indicatorNames: Record<string, string> = {
  food: '不愁吃',
  clothing: '不愁穿',
  compulsory_education: '义务教育有保障',
  basic_medical: '基本医疗有保障',
  housing: '住房安全有保障',
  drinking_water: '饮水安全有保障',
};

export const ruleNames: Record<string, string> = {
  below_line: '低于监测标准',
  near_line: '易返贫致贫范围',
  income_drop: '收入骤减',
  medical_spending: '刚性支出较大（医疗）',
  food: '不愁吃存在问题',
  clothing: '不愁穿存在问题',
  compulsory_education: '义务教育存在问题',
  basic_medical: '基本医疗存在问题',
  housing: '住房安全存在问题',
  drinking_water: '饮水安全存在问题',
  road_access: '未通硬化路',
  dibao: '低保对象',
  tekun: '特困人员',
  severe_disability: '重度残疾',
  serious_illness: '大病患者',
};

export const ledgerStates = opts([
  ['found', '发现'],
  ['in_progress', '整改中'],
  ['rectified', '已整改'],
  ['closed', '已销号'],
]);

export const problemTypes = opts([
  ['income', '收入不稳定'],
  ['medical', '基本医疗'],
  ['education', '义务教育'],
  ['housing', '住房安全'],
  ['drinking_water', '饮水安全'],
  ['food_clothing', '吃穿保障'],
  ['policy', '政策落实'],
  ['information', '信息不准确'],
  ['other', '其他'],
]);

export const ledgerSources = opts([
  ['self_check', '自查'],
  ['warning', '预警'],
  ['inspection', '巡视'],
  ['audit', '审计'],
  ['petition', '信访'],
  ['assessment', '考核'],
  ['acceptance', '验收'],
  ['research', '调研'],
]);

const all: Record<string, Option[]> = {
  householdTypes,
  monitoringTypes,
  houseSafety,
  roadAccess,
  waterLevels,
  riskTypes,
  sexes,
  relations,
  educations,
  studentStatuses,
  disabilityKinds,
  labourCapacities,
  workPlaces,
  insurances,
  measures,
  ledgerStates,
  problemTypes,
  ledgerSources,
};

/** The Chinese text of `value` in the list `list`, or the value itself when unknown. */
export function label(list: Option[] | keyof typeof all, value: string | null | undefined): string {
  if (value === null || value === undefined || value === '') return '';
  const options = typeof list === 'string' ? all[list] : list;
  return options?.find((o) => o.value === value)?.text ?? value;
}
