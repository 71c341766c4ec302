// @vitest-environment node
// src/api/schema.d.ts is what openapi-typescript makes of docs/openapi.json; `npm run gen:api`
// rewrites it after the service's API changed.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateSchema, SCHEMA_FILE } from '../scripts/openapi.mjs';

describe('the API types', () => {
  it('are what openapi-typescript generates from docs/openapi.json', async () => {
    const fresh = await generateSchema();
    const committed = fs.readFileSync(SCHEMA_FILE, 'utf8');
    // One assertion on a boolean: a diff of 1400 lines helps nobody; the message says what to do.
    expect(
      committed === fresh,
      'ui/console/src/api/schema.d.ts differs from what docs/openapi.json generates: run `npm run gen:api` in ui/console',
    ).toBe(true);
  }, 30_000);

  it('name the sign-in call', async () => {
    const text = fs.readFileSync(SCHEMA_FILE, 'utf8');
    expect(text).toContain('"/api/v1/login"');
  });
});
