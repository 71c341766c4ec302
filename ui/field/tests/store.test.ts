// @vitest-environment happy-dom
// Syncing from the header or in the background: a failure is kept for the screens to show, and
// when the service could not be reached the sync is tried again by itself, 5 s later, then 10 s,
// 20 s … at most every 5 minutes, until one succeeds.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AppStatus } from '@fangpin/shared/bindings';

const commands = vi.hoisted(() => ({
  sync: vi.fn(),
  status: vi.fn(),
  conflicts: vi.fn(),
  refusals: vi.fn(),
}));
vi.mock('../src/commands.generated', () => ({ commands }));
vi.mock('../src/ipc', async (real) => ({
  ...(await real<typeof import('../src/ipc')>()),
  onSyncProgress: vi.fn(async () => () => undefined),
}));

const { retryDelay, state, syncNow, resetSyncFailures, areaName } = await import('../src/store');

const unreachable = { code: 'no_network', message: 'connect refused', message_zh: '连不上服务器，请在有信号时再同步；数据已保存在本机，会自动重试。', field: null };
const report = { pushed: 1, pulled: 2, refused: 0, conflicts: 0, resent: 0, attachments_waiting: 0, problems: 0, renewed: false, finished_ms: 1 };

function status(unlocked = true): AppStatus {
  return {
    enrolled: true,
    unlocked,
    server_url: 'https://fangpin.example',
    user: null,
    device_id: null,
    user_id: null,
    pending_changes: 3,
    last_sync_ms: null,
    may_resolve: false,
    area_names: { '530325101201': '和平村', '530325101000': '平安镇' },
  };
}

beforeEach(() => {
  vi.useFakeTimers();
  for (const f of Object.values(commands)) f.mockReset();
  commands.status.mockResolvedValue(status());
  commands.conflicts.mockResolvedValue([]);
  commands.refusals.mockResolvedValue([]);
  state.status = status();
  resetSyncFailures();
});
afterEach(() => vi.useRealTimers());

describe('retryDelay', () => {
  it('waits 5 s, then twice as long each time, at most 5 minutes', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 20].map(retryDelay)).toEqual([5_000, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000]);
  });
});

describe('syncNow', () => {
  it('keeps the error of an unreachable service and tries again by itself with back-off until it succeeds', async () => {
    commands.sync.mockRejectedValue(unreachable);
    await expect(syncNow()).rejects.toMatchObject({ code: 'no_network' });
    expect(state.lastSyncError?.message_zh).toBe(unreachable.message_zh);
    expect(state.retryAt).toBe(Date.now() + 5_000);
    expect(commands.sync).toHaveBeenCalledTimes(1);

    await vi.advanceTimersByTimeAsync(4_999);
    expect(commands.sync).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(commands.sync).toHaveBeenCalledTimes(2);
    // Still unreachable: the error stays shown, the next try is 10 s away.
    expect(state.lastSyncError?.code).toBe('no_network');
    expect(state.retryAt).toBe(Date.now() + 10_000);

    commands.sync.mockResolvedValue(report);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(commands.sync).toHaveBeenCalledTimes(3);
    expect(state.lastSyncError).toBeNull();
    expect(state.retryAt).toBeNull();
    expect(state.lastReport).toEqual(report);
    await vi.advanceTimersByTimeAsync(600_000);
    expect(commands.sync).toHaveBeenCalledTimes(3);
  });

  it('a sync asked for meanwhile replaces the pending retry', async () => {
    commands.sync.mockRejectedValueOnce(unreachable).mockResolvedValue(report);
    await syncNow().catch(() => undefined);
    expect(state.retryAt).not.toBeNull();
    await syncNow();
    expect(state.retryAt).toBeNull();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(commands.sync).toHaveBeenCalledTimes(2);
  });

  it('does not try again by itself what trying again cannot fix', async () => {
    commands.sync.mockRejectedValue({ code: 'credential_refused', message: 'x', message_zh: '设备凭证无效或已过期，请重新登记。', field: null });
    await syncNow().catch(() => undefined);
    expect(state.lastSyncError?.code).toBe('credential_refused');
    expect(state.retryAt).toBeNull();
    await vi.advanceTimersByTimeAsync(600_000);
    expect(commands.sync).toHaveBeenCalledTimes(1);
  });

  it('does not try again while the device is locked, and does once it is unlocked', async () => {
    commands.sync.mockRejectedValue(unreachable);
    commands.status.mockResolvedValue(status(false));
    await syncNow().catch(() => undefined);
    expect(state.status?.unlocked).toBe(false);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(commands.sync).toHaveBeenCalledTimes(1);
    commands.sync.mockResolvedValue(report);
    commands.status.mockResolvedValue(status(true));
    state.status = status(true);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(commands.sync).toHaveBeenCalledTimes(2);
    expect(state.lastSyncError).toBeNull();
  });
});

describe('areaName', () => {
  it('names a village, and a township by its short prefix; a code without a name stays a code', () => {
    expect(areaName('530325101201')).toBe('和平村');
    expect(areaName('530325101')).toBe('平安镇');
    expect(areaName('530325101299')).toBe('530325101299');
  });
});
