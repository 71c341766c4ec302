// The console's views, in the order of the side menu. None is built yet: each route shows a page
// saying so, with what the view is for.

import type { Component } from 'vue';
import { Bell, Box, Connection, DataLine, Document, House, Tickets, User } from '@element-plus/icons-vue';

export interface PlannedView {
  /** Route path (under the shell) and name. */
  name: string;
  /** Menu and page title. */
  title: string;
  /** What the view will show, in a sentence. */
  purpose: string;
  icon: Component;
}

export const VIEWS: PlannedView[] = [
  {
    name: 'progress',
    title: '进度总览',
    purpose: '按村查看本轮入户排查的进度：应排查户数、已排查户数、监测对象和待办事项。',
    icon: DataLine,
  },
  {
    name: 'households',
    title: '农户',
    purpose: '查询负责范围内的农户，查看家庭成员、收入支出、两不愁三保障情况和研判结果。',
    icon: House,
  },
  {
    name: 'conflicts',
    title: '冲突',
    purpose: '不同设备对同一项内容填写了不同的值时，在这里查看各方的值并裁定保留哪一个。',
    icon: Connection,
  },
  {
    name: 'quarantine',
    title: '隔离区',
    purpose: '同步服务拒收的修改及其原因，核实后通知相关人员改正并重新同步。',
    icon: Box,
  },
  {
    name: 'warnings',
    title: '预警',
    purpose: '医保、民政、残联等部门数据比对发现的风险预警，以及下发给村里的核实任务。',
    icon: Bell,
  },
  {
    name: 'ledger',
    title: '问题台账',
    purpose: '排查发现的问题从发现、整改到销号的全过程，以及逾期未整改的问题。',
    icon: Tickets,
  },
  {
    name: 'reports',
    title: '报表',
    purpose: '按村、按监测对象类型、按风险类型汇总的统计报表。',
    icon: Document,
  },
  {
    name: 'people',
    title: '人员与设备',
    purpose: '账号、角色和负责范围，以及已登记的排查设备。',
    icon: User,
  },
];
