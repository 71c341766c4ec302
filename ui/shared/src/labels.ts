// Chinese labels for the UI. The vocabularies of the synced fields and every field's label are
// generated from the record catalogue (crates/fangpin-catalogue) into labels.generated.ts; this
// module adds the assessment's rule names and the lookup helper.

import {
  educations,
  disabilityKinds,
  houseSafety,
  householdTypes,
  indicators,
  insurances,
  labourCapacities,
  ledgerSources,
  ledgerStates,
  measures,
  monitoringTypes,
  problemTypes,
  relations,
  riskTypes,
  roadAccess,
  sexes,
  studentStatuses,
  waterAspects,
  waterLevels,
  workPlaces,
  type Option,
} from './labels.generated';

export * from './labels.generated';

export const indicatorNames: Record<string, string> = Object.fromEntries(
  indicators.map((o) => [o.value, o.text]),
);

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

const all: Record<string, Option[]> = {
  householdTypes,
  monitoringTypes,
  houseSafety,
  roadAccess,
  waterLevels,
  waterAspects,
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
