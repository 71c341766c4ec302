import { defineConfig } from 'vitest/config';

// The shared code's unit tests (the identity-number check against the shared vectors).
export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    environment: 'node',
  },
});
