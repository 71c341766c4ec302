import { createRouter, createWebHashHistory, type RouteRecordRaw } from 'vue-router';
import { onUnauthorised } from './api/client';
import { credential } from './api/session';
import ConsoleShell from './layouts/ConsoleShell.vue';
import { VIEWS } from './planned';
import PlannedPage from './views/PlannedPage.vue';
import SignInView from './views/SignInView.vue';

const routes: RouteRecordRaw[] = [
  { path: '/login', name: 'login', component: SignInView, meta: { public: true } },
  {
    path: '/',
    component: ConsoleShell,
    children: [
      { path: '', redirect: { name: VIEWS[0].name } },
      ...VIEWS.map((v) => ({
        path: v.name,
        name: v.name,
        component: PlannedPage,
        props: { name: v.name, title: v.title, purpose: v.purpose },
        meta: { title: v.title },
      })),
    ],
  },
  { path: '/:rest(.*)', redirect: '/' },
];

// Hash history: the service serves index.html under /console/ and needs no fallback for paths.
export const router = createRouter({ history: createWebHashHistory(), routes });

router.beforeEach((to) => {
  if (to.meta.public) return true;
  if (!credential()) return { name: 'login', query: to.fullPath === '/' ? {} : { redirect: to.fullPath } };
  return true;
});

router.afterEach((to) => {
  const title = typeof to.meta.title === 'string' ? to.meta.title : to.name === 'login' ? '登录' : '';
  document.title = title ? `${title} · 防返贫监测乡镇工作台` : '防返贫监测乡镇工作台';
});

// A 401 on a signed-in call (expired or revoked credential): back to sign-in, saying why.
onUnauthorised((e) => {
  const here = router.currentRoute.value;
  if (here.name === 'login') return;
  router.replace({ name: 'login', query: { redirect: here.fullPath, reason: e.code } });
});
