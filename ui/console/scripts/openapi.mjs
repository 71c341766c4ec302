// The console's API types, generated from the service's OpenAPI document (docs/openapi.json,
// itself generated from the Rust service) with openapi-typescript, default options: the same
// text as `openapi-typescript docs/openapi.json -o ui/console/src/api/schema.d.ts`.
//
//   npm run gen:api            rewrites src/api/schema.d.ts
//
// tests/schema.test.ts regenerates it in memory and fails when the committed file differs.

import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString, COMMENT_HEADER } from 'openapi-typescript';

/** The OpenAPI document of the sync service. */
export const OPENAPI_DOCUMENT = fileURLToPath(new URL('../../../docs/openapi.json', import.meta.url));
/** Where the generated types are committed. */
export const SCHEMA_FILE = fileURLToPath(new URL('../src/api/schema.d.ts', import.meta.url));

/** The text of schema.d.ts as generated from the document now. */
export async function generateSchema() {
  const doc = JSON.parse(fs.readFileSync(OPENAPI_DOCUMENT, 'utf8'));
  return `${COMMENT_HEADER}${astToString(await openapiTS(doc))}`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const text = await generateSchema();
  if (process.argv.includes('--write')) {
    fs.writeFileSync(SCHEMA_FILE, text, 'utf8');
    console.log(`wrote ${SCHEMA_FILE}`);
  } else {
    process.stdout.write(text);
  }
}
