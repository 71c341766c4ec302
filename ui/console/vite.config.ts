import { defineConfig } from 'vitest/config';
import vue from '@vitejs/plugin-vue';

// The supervisor console: built to ui/console/dist, served by the sync service under /console/.
// `npm run dev` serves it with the API proxied to a service on 127.0.0.1:8080
// (`fangpin serve --listen 127.0.0.1:8080`).
export default defineConfig({
  plugins: [vue()],
  base: '/console/',
  clearScreen: false,
  server: {
    proxy: {
      '/api': 'http://127.0.0.1:8080',
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 2000,
    reportCompressedSize: false,
  },
  test: {
    include: ['tests/**/*.test.ts'],
    environment: 'happy-dom',
    // Element Plus through Vite like the app's own code, so it shares the one copy of Vue.
    server: { deps: { inline: ['element-plus'] } },
  },
});
