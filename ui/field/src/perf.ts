// Timings as the user sees them, exposed on window.__fp for the end-to-end run to read.
// Nothing here is sent anywhere.

export interface PerfStore {
  /** Named durations in milliseconds, latest last. */
  spans: Record<string, number[]>;
  /** Keystroke to painted frame, milliseconds. */
  typing: number[];
}

declare global {
  interface Window {
    __fp: PerfStore;
  }
}

const store: PerfStore = { spans: {}, typing: [] };
window.__fp = store;

/** Records `ms` under `name`. */
export function record(name: string, ms: number): void {
  (store.spans[name] ??= []).push(Math.round(ms * 10) / 10);
}

/** Resolves after the next painted frame. */
export function afterPaint(): Promise<void> {
  return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
}

/** Measures from `start` (a performance.now() value) to the next painted frame under `name`. */
export async function measureToPaint(name: string, start: number): Promise<void> {
  await afterPaint();
  record(name, performance.now() - start);
}

/** Records keystroke-to-paint latency for `input` events inside `root`. */
export function watchTyping(root: HTMLElement): () => void {
  const onInput = (e: Event) => {
    const t0 = e.timeStamp;
    requestAnimationFrame(() => {
      // The frame after the one that handles the input shows the new value and its checks.
      requestAnimationFrame((t1) => store.typing.push(Math.round((t1 - t0) * 10) / 10));
    });
  };
  root.addEventListener('input', onInput, true);
  return () => root.removeEventListener('input', onInput, true);
}

let navStart: number | null = null;
/** Marks the moment the user asked to open a screen (a tap on a row or a button). */
export function markNav(): void {
  navStart = performance.now();
}
/** The mark of markNav, once; else `fallback`. */
export function takeNav(fallback: number): number {
  const t = navStart ?? fallback;
  navStart = null;
  return t;
}
