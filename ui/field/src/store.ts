// The app's session state: who is signed in, whether the device is unlocked, sync in progress
// and how the last one ended. Idle lock and background sync live here too; neither ever blocks
// the screen. A sync that fails because the service cannot be reached is tried again in the
// background, sooner at first and then less often (retryDelay), until one succeeds.

import { reactive } from 'vue';
import type { AppStatus, SyncOutcome, SyncProgressEvent } from '@fangpin/shared/bindings';
import { roleNames } from '@fangpin/shared/labels';
import { commands } from './commands.generated';
import { ApiError, onSyncProgress, toApiError } from './ipc';

export const IDLE_KEY = 'fangpin.idleMinutes';

export const state = reactive({
  status: null as AppStatus | null,
  launchServerUrl: null as string | null,
  syncing: false,
  progress: null as SyncProgressEvent | null,
  lastReport: null as SyncOutcome | null,
  /** Why the last sync failed; null once one succeeds. */
  lastSyncError: null as ApiError | null,
  /** When the next sync is tried by itself after a failure (ms since the epoch), or null. */
  retryAt: null as number | null,
  /** Syncs failed in a row. */
  failures: 0,
  /** Counts shown on the navigation. */
  conflicts: 0,
  refusals: 0,
  /** Bumped after every successful sync, so lists reload what was pulled. */
  syncGeneration: 0,
});

export async function refreshStatus(): Promise<AppStatus> {
  state.status = await commands.status();
  return state.status;
}

export function setStatus(s: AppStatus): void {
  state.status = s;
}

/**
 * The name of an area (a village, or a wider area of a scope) as the service sent it, else its
 * code. A scope may name a township or county by its short prefix (9 or 6 digits).
 */
export function areaName(code: string | null | undefined): string {
  if (!code) return '';
  const names = state.status?.area_names ?? {};
  return names[code] ?? names[code.padEnd(12, '0')] ?? code;
}

/** The Chinese name of the signed-in user's role. */
export function roleName(role: string | null | undefined): string {
  return role ? (roleNames[role] ?? '其他') : '';
}

export function idleMinutes(): number {
  const v = Number(localStorage.getItem(IDLE_KEY) ?? '5');
  return Number.isFinite(v) && v > 0 ? v : 5;
}

// ---- syncing, and trying again after a failure ------------------------------------------------

/** Failures worth trying again by themselves: the service could not be reached or answered badly. */
const RETRIED = new Set(['no_network', 'transfer_cut', 'server_error', 'corrupt_transfer']);

/** The first wait before trying again, and the longest. */
export const RETRY_FIRST_MS = 5_000;
export const RETRY_MAX_MS = 5 * 60_000;

/** How long to wait before trying again after `failures` failed syncs in a row (1, 2, …). */
export function retryDelay(failures: number): number {
  return Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** Math.max(0, failures - 1));
}

let retryTimer: ReturnType<typeof setTimeout> | null = null;

function cancelRetry() {
  if (retryTimer) clearTimeout(retryTimer);
  retryTimer = null;
  state.retryAt = null;
}

function scheduleRetry() {
  cancelRetry();
  const wait = retryDelay(state.failures);
  state.retryAt = Date.now() + wait;
  retryTimer = setTimeout(() => {
    retryTimer = null;
    state.retryAt = null;
    // Locked meanwhile: look again as long later, and sync once unlocked; signed out: stop.
    if (state.status?.unlocked) syncNow().catch(() => undefined);
    else if (state.status?.enrolled) scheduleRetry();
  }, wait);
}

let unlistenProgress: (() => void) | null = null;

/**
 * Runs one sync in the background; the screen stays usable and shows the progress. A failure
 * is kept in `state.lastSyncError` (the header and the 同步 screen show it) and rethrown; when
 * the service could not be reached, the sync is tried again by itself after `retryDelay`.
 */
export async function syncNow(): Promise<SyncOutcome | null> {
  if (state.syncing) return null;
  cancelRetry();
  state.syncing = true;
  state.progress = { phase: 'push', items_done: 0, items_total: 0, bytes_done: 0, bytes_total: 0 };
  if (!unlistenProgress) unlistenProgress = await onSyncProgress((p) => (state.progress = p)).catch(() => null);
  try {
    const report = await commands.sync();
    state.lastReport = report;
    state.lastSyncError = null;
    state.failures = 0;
    state.syncGeneration++;
    return report;
  } catch (e) {
    const err = toApiError(e);
    state.lastSyncError = err;
    state.failures++;
    if (RETRIED.has(err.code)) scheduleRetry();
    throw err;
  } finally {
    state.syncing = false;
    state.progress = null;
    await refreshStatus().catch(() => undefined);
    await refreshCounts().catch(() => undefined);
  }
}

/** Forgets the failures (signing out, a new service address). */
export function resetSyncFailures(): void {
  cancelRetry();
  state.failures = 0;
  state.lastSyncError = null;
}

export async function refreshCounts(): Promise<void> {
  if (!state.status?.unlocked) return;
  const [c, r] = await Promise.all([commands.conflicts().catch(() => []), commands.refusals().catch(() => [])]);
  state.conflicts = c.length;
  state.refusals = r.length;
}

/** Tries a sync every few minutes while unlocked and something waits; failures only show. */
export function startBackgroundSync(everyMs = 5 * 60 * 1000): () => void {
  const t = setInterval(() => {
    const s = state.status;
    if (s?.unlocked && s.pending_changes > 0 && !state.syncing && !retryTimer) syncNow().catch(() => undefined);
  }, everyMs);
  return () => clearInterval(t);
}

/** Locks after `idleMinutes()` with no touch, key or pointer input. */
export function startIdleLock(onLock: () => void): () => void {
  let last = Date.now();
  const bump = () => (last = Date.now());
  const events = ['pointerdown', 'keydown', 'touchstart', 'wheel'];
  for (const e of events) window.addEventListener(e, bump, { capture: true, passive: true });
  const t = setInterval(() => {
    if (state.status?.unlocked && Date.now() - last > idleMinutes() * 60_000) onLock();
  }, 5_000);
  return () => {
    clearInterval(t);
    for (const e of events) window.removeEventListener(e, bump, { capture: true });
  };
}

export function formatTime(ms: number | null | undefined): string {
  if (!ms) return '从未';
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}
