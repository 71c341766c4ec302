import { createApp } from 'vue';
import Vant from 'vant';
import 'vant/lib/index.css';
import './style.css';
import './perf';
import App from './App.vue';
import { router } from './router';

const app = createApp(App).use(Vant).use(router);
// The first screen is decided by the device's state (enrol, unlock, or the tasks): mount once
// that first navigation is resolved, so nothing else flashes up first.
router.isReady().then(() => app.mount('#app'));
