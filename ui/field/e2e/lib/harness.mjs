// Starts what the end-to-end tests need, all on loopback and in fresh temporary folders:
// the sync service with a demo township, tauri-driver, and field-app sessions with their own
// data folders. Records timings and screenshots into test-artifacts/e2e/.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Session, waitFor } from './webdriver.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = process.env.FANGPIN_ROOT ?? path.resolve(here, '../../../..');
const TARGET = process.env.CARGO_TARGET_DIR ?? path.join(ROOT, 'target');
export const FANGPIN = process.env.FANGPIN_BIN ?? path.join(TARGET, 'debug/fangpin');
export const FIELD_APP = process.env.FANGPIN_FIELD_BIN ?? path.join(TARGET, 'debug/fangpin-field');
export const ARTIFACTS = process.env.FANGPIN_E2E_ARTIFACTS ?? path.join(ROOT, 'test-artifacts/e2e');
const TAURI_DRIVER = process.env.TAURI_DRIVER ?? 'tauri-driver';

fs.mkdirSync(ARTIFACTS, { recursive: true });

const children = [];
function track(child, name) {
  children.push(child);
  const log = fs.createWriteStream(path.join(ARTIFACTS, `${name}.log`));
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  return child;
}

/** Stops every process this harness started, by its own handle. */
export async function stopAll() {
  for (const c of children.reverse()) {
    if (c.exitCode === null && c.signalCode === null) {
      c.kill('SIGTERM');
      await Promise.race([new Promise((r) => c.once('exit', r)), new Promise((r) => setTimeout(r, 3000))]);
      if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    }
  }
  children.length = 0;
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
}

/** Temporary folders made by this run, removed by `stopAll` once every process has stopped. */
const dirs = [];

export function tempDir(prefix) {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), `fangpin-e2e-${prefix}-`));
  dirs.push(d);
  return d;
}

/** Runs a command to completion; resolves with its output, rejects with it on a non-zero exit. */
export function run(cmd, args) {
  return new Promise((resolve, reject) => {
    const c = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    c.stdout.on('data', (d) => (out += d));
    c.stderr.on('data', (d) => (out += d));
    c.on('error', reject);
    c.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')}: exit ${code}\n${out}`))));
  });
}

/** A demo township of `households` households and the service over it on 127.0.0.1. */
export async function startServer({ households = 200 } = {}) {
  const dir = tempDir('server');
  const db = path.join(dir, 'server.db');
  const t0 = performance.now();
  const demoOut = await run(FANGPIN, ['demo', '--db', db, '--households', String(households)]);
  fs.writeFileSync(path.join(ARTIFACTS, 'demo.log'), demoOut);
  const serve = track(
    spawn(FANGPIN, ['serve', '--db', db, '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] }),
    'server',
  );
  const url = await new Promise((resolve, reject) => {
    let buf = '';
    const onData = (d) => {
      buf += d;
      const m = /fangpin: listening on (http:\/\/\S+)/.exec(buf);
      if (m) {
        serve.stdout.off('data', onData);
        resolve(m[1]);
      }
    };
    serve.stdout.on('data', onData);
    serve.once('exit', (code) => reject(new Error(`fangpin serve exited with ${code}: ${buf}`)));
    setTimeout(() => reject(new Error('fangpin serve did not print its address in 20 s')), 20_000).unref();
  });
  return { url, dir, db, demoOut, ms: performance.now() - t0 };
}

/** A loopback port nothing listens on (yet). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** tauri-driver on a free loopback port; it starts WebKitWebDriver itself. */
export async function startDriver() {
  const port = await freePort();
  const nativePort = await freePort();
  const child = track(
    spawn(TAURI_DRIVER, ['--port', String(port), '--native-port', String(nativePort)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
    'tauri-driver',
  );
  const base = `http://127.0.0.1:${port}`;
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`tauri-driver exited with ${child.exitCode}`);
      const r = await fetch(`${base}/status`).catch(() => null);
      return r !== null;
    },
    { timeoutMs: 15_000, what: 'tauri-driver to listen' },
  );
  return base;
}

/** A new session of the real field app with its own data folder (fresh unless given). */
export async function openApp(driver, { dataDir = tempDir('device'), env = {} } = {}) {
  const args = ['--data-dir', dataDir];
  for (const [k, v] of Object.entries(env)) args.push(`--${k}`, v);
  const t0 = performance.now();
  const session = await Session.create(driver, {
    browserName: 'wry',
    'tauri:options': { application: FIELD_APP, args },
  });
  return { session, dataDir, startedAt: t0 };
}

const timings = {};
/** Records a figure (milliseconds) for the summary printed at the end. */
export function timing(name, ms) {
  (timings[name] ??= []).push(Math.round(ms * 10) / 10);
}

function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { n: s.length, median: q(0.5), p95: q(0.95), max: s[s.length - 1] };
}

/** Prints the timings and writes them to test-artifacts/e2e/timings.json. */
export function reportTimings() {
  const out = {};
  for (const [k, v] of Object.entries(timings)) out[k] = stats(v);
  fs.writeFileSync(path.join(ARTIFACTS, 'timings.json'), `${JSON.stringify(out, null, 2)}\n`);
  console.log('\nfield app timings (ms):');
  for (const [k, v] of Object.entries(out)) {
    console.log(`  ${k.padEnd(44)} median ${String(v.median).padStart(7)}  p95 ${String(v.p95).padStart(7)}  max ${String(v.max).padStart(7)}  (n=${v.n})`);
  }
  return out;
}

/** Saves a screenshot of the app as test-artifacts/e2e/NAME.png. */
export async function screenshot(session, name) {
  const png = await session.screenshotPng();
  fs.writeFileSync(path.join(ARTIFACTS, `${name}.png`), png);
}
