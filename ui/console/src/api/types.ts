// Names for the service's types, from the generated schema.d.ts (npm run gen:api).

import type { components, paths } from './schema';

type Schemas = components['schemas'];

export type SignIn = Schemas['SignIn'];
export type Enrolment = Schemas['Enrolment'];
export type ErrorBody = Schemas['ErrorBody'];
export type User = Schemas['User'];
export type Role = Schemas['Role'];
export type Me = Schemas['Me'];

/** The JSON body of a path's answer with the given status. */
export type JsonAnswer<
  P extends keyof paths,
  M extends 'get' | 'post',
  S extends number,
> = paths[P][M] extends { responses: Record<S, { content: { 'application/json': infer T } }> } ? T : never;
