import { createRouter, createWebHashHistory } from 'vue-router';
import { state, refreshStatus } from './store';
import EnrolView from './views/EnrolView.vue';
import UnlockView from './views/UnlockView.vue';
import TasksView from './views/TasksView.vue';
import HouseholdsView from './views/HouseholdsView.vue';
import HouseholdView from './views/HouseholdView.vue';
import ScreeningView from './views/ScreeningView.vue';
import LedgerView from './views/LedgerView.vue';
import SyncView from './views/SyncView.vue';
import SettingsView from './views/SettingsView.vue';

export const router = createRouter({
  history: createWebHashHistory(),
  routes: [
    { path: '/', redirect: '/tasks' },
    { path: '/enrol', component: EnrolView, meta: { bare: true, title: '设备登记' } },
    { path: '/unlock', component: UnlockView, meta: { bare: true, title: '解锁' } },
    { path: '/tasks', component: TasksView, meta: { title: '我的任务' } },
    { path: '/households', component: HouseholdsView, meta: { title: '农户列表' } },
    { path: '/household/:id', component: HouseholdView, meta: { title: '农户档案' } },
    { path: '/screen/:id', component: ScreeningView, meta: { title: '入户排查' } },
    { path: '/ledger', component: LedgerView, meta: { title: '问题台账' } },
    { path: '/sync', component: SyncView, meta: { title: '同步' } },
    { path: '/settings', component: SettingsView, meta: { title: '设置' } },
  ],
});

router.beforeEach(async (to) => {
  const s = state.status ?? (await refreshStatus());
  if (!s.enrolled) return to.path === '/enrol' ? true : '/enrol';
  if (!s.unlocked) return to.path === '/unlock' ? true : { path: '/unlock', query: { next: to.fullPath } };
  if (to.path === '/enrol' || to.path === '/unlock') return '/tasks';
  return true;
});
