// Typed calls of the field app's Tauri commands. Every command is a thin shell over one use case
// of fangpin_app::field; errors arrive as AppError and the UI only ever matches on `code`.

import { invoke } from '@tauri-apps/api/core';
import { listen, type UnlistenFn } from '@tauri-apps/api/event';
import type {
  AppError,
  AppStatus,
  AssessOutcome,
  AttachmentView,
  ConflictView,
  HouseholdListItem,
  HouseholdQuery,
  HouseholdView,
  IdInfo,
  JsonValue,
  LaunchOptions,
  LedgerItemView,
  NewLedgerItem,
  RefusalView,
  SaveOutcome,
  StatusView,
  SyncOutcome,
  SyncProgressEvent,
  Tasks,
  VisitInput,
} from '@fangpin/shared/bindings';

/** An error from a command: a stable code, the Chinese message, and the field when there is one. */
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

function toApiError(e: unknown): ApiError {
  if (e && typeof e === 'object' && 'code' in e && 'message_zh' in e) return new ApiError(e as AppError);
  const text = e instanceof Error ? e.message : String(e);
  return new ApiError({ code: 'internal', message: text, message_zh: `内部错误：${text}`, field: null });
}

async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (e) {
    throw toApiError(e);
  }
}

export const api = {
  launchOptions: () => call<LaunchOptions>('launch_options'),
  status: () => call<AppStatus>('status'),
  enrol: (serverUrl: string, username: string, password: string, passcode: string) =>
    call<AppStatus>('enrol', { serverUrl, username, password, passcode }),
  unlock: (passcode: string) => call<AppStatus>('unlock', { passcode }),
  lock: () => call<AppStatus>('lock'),
  changePasscode: (old: string, next: string) => call<void>('change_passcode', { old, new: next }),
  signOut: (wipe: boolean) => call<AppStatus>('sign_out', { wipe }),
  households: (query: HouseholdQuery) => call<HouseholdListItem[]>('households', { query }),
  household: (id: string) => call<HouseholdView>('household', { id }),
  assessForm: (form: unknown) => call<AssessOutcome>('assess_form', { form }),
  saveForm: (householdId: string | null, form: unknown, visit: VisitInput | null = null) =>
    call<SaveOutcome>('save_form', { householdId, form, visit }),
  saveDraft: (formId: string, body: unknown) => call<void>('save_draft', { formId, body }),
  loadDraft: (formId: string) => call<JsonValue | null>('load_draft', { formId }),
  discardDraft: (formId: string) => call<void>('discard_draft', { formId }),
  ledger: (status: string | null) => call<LedgerItemView[]>('ledger', { status }),
  addLedgerItem: (householdId: string, item: NewLedgerItem) =>
    call<LedgerItemView>('add_ledger_item', { householdId, item }),
  moveLedgerItem: (id: string, to: StatusView) => call<LedgerItemView>('move_ledger_item', { id, to }),
  addEvidence: (ledgerId: string, sha256: string) => call<LedgerItemView>('add_evidence', { ledgerId, sha256 }),
  checkIdNumber: (raw: string) => call<IdInfo>('check_id_number', { raw }),
  tasks: () => call<Tasks>('tasks'),
  sync: () => call<SyncOutcome>('sync'),
  conflicts: () => call<ConflictView[]>('conflicts'),
  resolveConflict: (table: string, rowId: string, field: string, value: unknown) =>
    call<void>('resolve_conflict', { table, rowId, field, value }),
  refusals: () => call<RefusalView[]>('refusals'),
  addAttachment: (bytesBase64: string, mime: string) => call<string>('add_attachment', { bytesBase64, mime }),
  attachment: (sha256: string) => call<AttachmentView | null>('attachment', { sha256 }),
};

export function onSyncProgress(fn: (p: SyncProgressEvent) => void): Promise<UnlistenFn> {
  return listen<SyncProgressEvent>('sync-progress', (e) => fn(e.payload));
}

/** A data: URL's base64 part. */
export function dataUrlBase64(url: string): string {
  return url.slice(url.indexOf(',') + 1);
}
