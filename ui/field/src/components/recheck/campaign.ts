// The campaign header of 我的任务 (行动名称, 当前阶段 with its dates, 我的职责, the villages and
// the groups visited first) and the lines of its 逾期的监测程序 list, in Chinese.

import type { CampaignTaskView, ProcedureView } from '@fangpin/shared/bindings';

/** 当前阶段 with its dates: `全面排查（2026-03-06 至 2026-04-30）`; 未设置阶段 without phases. */
export function phaseText(c: Pick<CampaignTaskView, 'phase_label' | 'phase_from' | 'phase_to'>): string {
  if (!c.phase_label) return '未设置阶段';
  if (c.phase_from && c.phase_to) return `${c.phase_label}（${c.phase_from} 至 ${c.phase_to}）`;
  return c.phase_label;
}

/** The villages assigned, by name, joined with 、 (— when none). */
export function villagesText(villages: string[], areaName: (code: string) => string = (c) => c): string {
  return villages.map(areaName).filter(Boolean).join('、') || '—';
}

/** The line under the campaign's name: 重点排查对象, visited first, when there are any. */
export function focusText(c: Pick<CampaignTaskView, 'focus_labels'>): string {
  return c.focus_labels.length ? `重点排查对象：${c.focus_labels.join('、')}（优先走访）` : '';
}

/** An overdue procedure's title: `张国华户：纳入监测`. */
export function overdueTitle(p: Pick<ProcedureView, 'household_id' | 'kind_label'>, heads: Partial<Record<string, string>>): string {
  const head = heads[p.household_id];
  return `${head ? `${head}户` : '农户'}：${p.kind_label}`;
}

/**
 * What is late about a procedure: the steps past their own limit, then the whole procedure's
 * limit when it has passed it; each with its last day.
 */
export function overdueLines(
  p: Pick<ProcedureView, 'started_on' | 'due' | 'overdue' | 'steps'>,
): string[] {
  const out = [`发现日期 ${p.started_on ?? '—'}`];
  for (const s of p.steps.filter((s) => s.overdue)) out.push(`${s.label}逾期（时限 ${s.due ?? '—'}）`);
  if (p.overdue) out.push(`超过办结时限 ${p.due ?? '—'}`);
  return out;
}
