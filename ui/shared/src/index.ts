// What the field app and the supervisor console share. Each part is also its own entry point:
// `@fangpin/shared/labels`, `@fangpin/shared/idnumber`, `@fangpin/shared/bindings`.

export * from './labels';
export * from './idnumber';
export type * from './bindings';
