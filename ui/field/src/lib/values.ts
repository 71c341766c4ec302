// A synced field's value as a person reads it: amounts in yuan, codes by their Chinese names
// (the catalogue's vocabularies), yes/no, ledger states; never an internal name. Used where a
// stored value is shown outside its form: conflicts, refusals, fields changed underneath a draft.

import type { JsonValue } from '@fangpin/shared/bindings';
import {
  disabilityKinds,
  fieldVocabularies,
  label,
  ledgerStates,
  waterAspects,
  waterLevels,
  workPlaces,
  type Option,
} from '@fangpin/shared/labels';
import { formatYuan, hundredthsToMu, yuanToFen } from './form';

type JsonObject = { [key in string]: JsonValue };

function isObject(v: JsonValue | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: JsonValue | undefined): string {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '';
}

/** Whether the field holds an amount in fen. */
export function isMoneyField(field: string): boolean {
  return field.endsWith('_fen');
}

function objectText(field: string, o: JsonObject): string {
  if ('state' in o && 'round' in o) return `${label(ledgerStates, str(o.state))}（第${str(o.round)}轮）`;
  if (field === 'drinking_water') {
    return waterAspects.map((a) => `${a.text}${label(waterLevels, str(o[a.value]))}`).join('、');
  }
  if (field === 'helper') return [str(o.name), str(o.unit) && `（${str(o.unit)}）`, str(o.phone)].filter(Boolean).join(' ');
  if (field === 'health') {
    const out: string[] = [];
    if (o.chronic_illness === true) out.push('长期慢性病');
    if (o.serious_illness === true) out.push('大病');
    const d = o.disability;
    if (isObject(d)) out.push(`${label(disabilityKinds, str(d.kind))}${str(d.grade)}级`);
    return out.length ? out.join('、') : '健康';
  }
  if (field === 'work') return `${label(workPlaces, str(o.place))}务工${str(o.months)}个月`;
  if (field === 'basic_needs') {
    return [o.food_secure === false ? '吃存在问题' : '不愁吃', o.clothing_secure === false ? '穿存在问题' : '不愁穿'].join('、');
  }
  // Anything else: its values, never its keys.
  return Object.values(o)
    .map((v) => (v === undefined ? '' : valueText(field, v)))
    .filter(Boolean)
    .join('、');
}

function valueText(field: string, v: JsonValue, vocabulary?: Option[]): string {
  if (v === null) return '（空）';
  if (typeof v === 'boolean') return field === '$alive' ? (v ? '保留' : '删除') : v ? '是' : '否';
  if (typeof v === 'number') {
    if (isMoneyField(field)) return formatYuan(v);
    if (field === 'cultivated_land_hundredths_mu') return `${hundredthsToMu(v)} 亩`;
    return String(v);
  }
  if (typeof v === 'string') return vocabulary ? label(vocabulary, v) : v;
  if (Array.isArray(v)) return v.map((x) => valueText(field, x, vocabulary)).join('、') || '（空）';
  return objectText(field, v);
}

/** The value of `table.field` as text for people. */
export function fieldValueText(table: string, field: string, v: JsonValue): string {
  return valueText(field, v, fieldVocabularies[table]?.[field]);
}

/** A corrected value typed for `field`: yuan become fen; null when it is not a valid amount. */
export function typedValue(field: string, text: string): JsonValue | null {
  if (!isMoneyField(field)) return text;
  if (text.trim() === '') return null;
  const fen = yuanToFen(text);
  return fen.ok ? fen.value : null;
}
