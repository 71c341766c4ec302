// The app's session state: who is signed in, whether the device is unlocked, sync in progress.
// Idle lock and background sync live here too; neither ever blocks the screen.

import { reactive } from 'vue';
import { api, ApiError, onSyncProgress } from './api';
import type { AppStatus, SyncOutcome, SyncProgressEvent } from '@fangpin/shared/bindings';

export const IDLE_KEY = 'fangpin.idleMinutes';

export const state = reactive({
  status: null as AppStatus | null,
  launchServerUrl: null as string | null,
  syncing: false,
  progress: null as SyncProgressEvent | null,
  lastReport: null as SyncOutcome | null,
  lastSyncError: null as ApiError | null,
  /** Counts shown on the navigation. */
  conflicts: 0,
  refusals: 0,
  /** Bumped after every successful sync, so lists reload what was pulled. */
  syncGeneration: 0,
});

export async function refreshStatus(): Promise<AppStatus> {
  state.status = await api.status();
  return state.status;
}

export function setStatus(s: AppStatus): void {
  state.status = s;
}

export function idleMinutes(): number {
  const v = Number(localStorage.getItem(IDLE_KEY) ?? '5');
  return Number.isFinite(v) && v > 0 ? v : 5;
}

let unlistenProgress: (() => void) | null = null;

/** Runs one sync in the background; the screen stays usable and shows the progress. */
export async function syncNow(): Promise<SyncOutcome | null> {
  if (state.syncing) return null;
  state.syncing = true;
  state.progress = { phase: 'push', items_done: 0, items_total: 0, bytes_done: 0, bytes_total: 0 };
  state.lastSyncError = null;
  if (!unlistenProgress) unlistenProgress = await onSyncProgress((p) => (state.progress = p));
  try {
    const report = await api.sync();
    state.lastReport = report;
    state.syncGeneration++;
    return report;
  } catch (e) {
    state.lastSyncError = e instanceof ApiError ? e : null;
    throw e;
  } finally {
    state.syncing = false;
    state.progress = null;
    await refreshStatus().catch(() => undefined);
    await refreshCounts();
  }
}

export async function refreshCounts(): Promise<void> {
  if (!state.status?.unlocked) return;
  const [c, r] = await Promise.all([api.conflicts().catch(() => []), api.refusals().catch(() => [])]);
  state.conflicts = c.length;
  state.refusals = r.length;
}

/** Tries a sync every few minutes while unlocked and something waits; failures only show. */
export function startBackgroundSync(everyMs = 5 * 60 * 1000): () => void {
  const t = setInterval(() => {
    const s = state.status;
    if (s?.unlocked && s.pending_changes > 0 && !state.syncing) syncNow().catch(() => undefined);
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
