import { defineConfig } from 'vitest/config';
import vue from '@vitejs/plugin-vue';

// The field app: built to ui/field/dist, which src-tauri compiles into the binary.
export default defineConfig({
  plugins: [vue()],
  base: './',
  clearScreen: false,
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'safari13',
    chunkSizeWarningLimit: 2000,
    reportCompressedSize: false,
  },
  test: {
    include: ['tests/**/*.test.ts'],
    environment: 'node',
  },
});
