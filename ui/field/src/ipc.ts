// The field app's link to its Tauri shell: `call` (what the generated command wrapper,
// commands.generated.ts, invokes), the error every command can answer, and the one event the
// shell sends (a sync's progress). The commands themselves are declared once in
// src-tauri/src/commands.rs; screens use `commands.*` from the generated file.

import { invoke } from '@tauri-apps/api/core';
import { listen, type UnlistenFn } from '@tauri-apps/api/event';
import type { AppError, SyncProgressEvent } from '@fangpin/shared/bindings';

/**
 * An error from a command: a stable `code` (the only thing screens match on), the Chinese
 * message to show, and the field concerned when there is one.
 */
export class ApiError extends Error {
  readonly code: string;
  readonly message_zh: string;
  readonly field: string | null;
  constructor(e: AppError) {
    super(e.message);
    this.code = e.code;
    this.message_zh = e.message_zh;
    this.field = e.field ?? null;
  }
}

function isAppError(e: unknown): e is AppError {
  return typeof e === 'object' && e !== null && 'code' in e && 'message_zh' in e;
}

/** Any failure of a call as an ApiError (an unexpected one as `internal`). */
export function toApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  if (isAppError(e)) return new ApiError(e);
  const text = e instanceof Error ? e.message : String(e);
  return new ApiError({ code: 'internal', message: text, message_zh: `内部错误：${text}`, field: null });
}

/** Invokes one command; its error arrives as an ApiError. */
export async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (e) {
    throw toApiError(e);
  }
}

/** Listens to the progress of a running sync (the shell's `sync-progress` event). */
export function onSyncProgress(fn: (p: SyncProgressEvent) => void): Promise<UnlistenFn> {
  return listen<SyncProgressEvent>('sync-progress', (e) => fn(e.payload));
}
