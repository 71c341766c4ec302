// Generated from src-tauri/src/commands.rs; do not edit. A test fails when this file differs;
// FANGPIN_UPDATE_BINDINGS=1 cargo test -p fangpin-field --test bindings rewrites it.

import type { AppStatus, AssessOutcome, AttachmentView, ConflictView, EliminationCheck, FormDraft, GreenChannel, HouseholdForm, HouseholdListItem, HouseholdQuery, HouseholdView, IdInfo, JsonValue, LaunchOptions, LedgerItemView, MeasureView, NewLedgerItem, NewProcedure, ProcedureView, RebasedForm, RecheckResult, RecheckView, RefusalView, SaveOutcome, StatusView, Step, SyncOutcome, Tasks, VisitInput } from '@fangpin/shared/bindings';
import { call } from './ipc';

/** Every command of the field app, typed. */
export const commands = {
  /** What the app shows first. */
  status: () => call<AppStatus>('status'),
  /** Enrols this device with the service. */
  enrol: (serverUrl: string, username: string, password: string, passcode: string) => call<AppStatus>('enrol', { serverUrl, username, password, passcode }),
  /** Opens the local data. */
  unlock: (passcode: string) => call<AppStatus>('unlock', { passcode }),
  /** Closes the local data. */
  lock: () => call<AppStatus>('lock'),
  /** Changes the passcode. */
  changePasscode: (old: string, new_: string) => call<void>('change_passcode', { old, new: new_ }),
  /** Checks a service address (https://, or http:// to this device only). */
  checkServerUrl: (serverUrl: string) => call<string>('check_server_url', { serverUrl }),
  /** Changes the service's address, keeping everything on the device. */
  setServerUrl: (serverUrl: string) => call<AppStatus>('set_server_url', { serverUrl }),
  /** Signs out, wiping the device's data when asked. */
  signOut: (wipe: boolean) => call<AppStatus>('sign_out', { wipe }),
  /** Households on this device. */
  households: (query: HouseholdQuery) => call<Array<HouseholdListItem>>('households', { query }),
  /** One household with everything in it. */
  household: (id: string) => call<HouseholdView>('household', { id }),
  /** The live assessment of a form. */
  assessForm: (form: HouseholdForm) => call<AssessOutcome>('assess_form', { form }),
  /** Checks an identity number as it is typed. */
  checkIdNumber: (raw: string) => call<IdInfo>('check_id_number', { raw }),
  /** Saves a screening form with its visit. */
  saveForm: (householdId: string | null, form: HouseholdForm, visit: VisitInput | null) => call<SaveOutcome>('save_form', { householdId, form, visit }),
  /** Keeps a half-filled form. */
  saveDraft: (formId: string, body: FormDraft) => call<void>('save_draft', { formId, body }),
  /** A kept form. */
  loadDraft: (formId: string) => call<JsonValue | null>('load_draft', { formId }),
  /** Forgets a kept form. */
  discardDraft: (formId: string) => call<void>('discard_draft', { formId }),
  /** A kept form brought up to date with what changed on the device since it began. */
  rebaseForm: (form: HouseholdForm) => call<RebasedForm>('rebase_form', { form }),
  /** The ledger, optionally in one state. */
  ledger: (status: string | null) => call<Array<LedgerItemView>>('ledger', { status }),
  /** Adds a problem to the ledger. */
  addLedgerItem: (householdId: string, item: NewLedgerItem) => call<LedgerItemView>('add_ledger_item', { householdId, item }),
  /** Moves a ledger item; closing it names who checked it. */
  moveLedgerItem: (id: string, to: StatusView, checkedBy: string | null) => call<LedgerItemView>('move_ledger_item', { id, to, checkedBy }),
  /** Attaches a photo or signature to a ledger item. */
  addEvidence: (ledgerId: string, sha256: string) => call<LedgerItemView>('add_evidence', { ledgerId, sha256 }),
  /** The household's 纳入监测 and 风险消除 procedures. */
  procedures: (householdId: string) => call<Array<ProcedureView>>('procedures', { householdId }),
  /** Starts a procedure. */
  startProcedure: (householdId: string, input: NewProcedure) => call<ProcedureView>('start_procedure', { householdId, input }),
  /** Records a step after the same check the service runs. */
  recordStep: (procedureId: string, step: Step, value: JsonValue) => call<ProcedureView>('record_step', { procedureId, step, value }),
  /** Records the 绿色通道. */
  setGreenChannel: (procedureId: string, channel: GreenChannel) => call<ProcedureView>('set_green_channel', { procedureId, channel }),
  /** The household's assistance measures. */
  measures: (householdId: string) => call<Array<MeasureView>>('measures', { householdId }),
  /** Adds an assistance measure. */
  addMeasure: (householdId: string, kind: string, status: string, note: string) => call<MeasureView>('add_measure', { householdId, kind, status, note }),
  /** Marks a measure 计划实施, 已落实 or 已结束. */
  setMeasureStatus: (id: string, status: string) => call<MeasureView>('set_measure_status', { id, status }),
  /** The elimination criteria checked from the household's data. */
  eliminationCheck: (householdId: string) => call<EliminationCheck>('elimination_check', { householdId }),
  /** My tasks: the current campaign's households to visit, overdue procedures, ledger items due. */
  tasks: () => call<Tasks>('tasks'),
  /** The households drawn for 回访核查, in the order of the draw. */
  rechecks: () => call<Array<RecheckView>>('rechecks'),
  /** Records what a re-check found (the township and the 办事处 only). */
  recordRecheck: (id: string, result: RecheckResult) => call<RecheckView>('record_recheck', { id, result }),
  /** Open conflicts on this device. */
  conflicts: () => call<Array<ConflictView>>('conflicts'),
  /** Resolves a conflict (supervisors only). */
  resolveConflict: (table: string, rowId: string, field: string, value: JsonValue) => call<void>('resolve_conflict', { table, rowId, field, value }),
  /** Changes the service refused, with the reasons. */
  refusals: () => call<Array<RefusalView>>('refusals'),
  /** Keeps a photo or signature and returns its SHA-256. */
  addAttachment: (bytesBase64: string, mime: string) => call<string>('add_attachment', { bytesBase64, mime }),
  /** A stored attachment, to show. */
  attachment: (sha256: string) => call<AttachmentView | null>('attachment', { sha256 }),
  /** What the app was started with. */
  launchOptions: () => call<LaunchOptions>('launch_options'),
  /** Syncs with the service, reporting progress as `sync-progress` events. */
  sync: () => call<SyncOutcome>('sync'),
};
