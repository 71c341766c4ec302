// Types of scripts/openapi.mjs, for the test that imports it.

/** The OpenAPI document of the sync service. */
export const OPENAPI_DOCUMENT: string;
/** Where the generated types are committed. */
export const SCHEMA_FILE: string;
/** The text of schema.d.ts as generated from the document now. */
export function generateSchema(): Promise<string>;
