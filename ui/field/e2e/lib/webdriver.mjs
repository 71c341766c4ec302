// A minimal W3C WebDriver client over plain HTTP, enough to drive the field app through
// tauri-driver and WebKitWebDriver. Synchronisation is always by polling a condition with a
// timeout (waitFor), never by sleeping a fixed time.

const ELEMENT = 'element-6066-11e4-a52e-4f735466cecb';
const elementId = (e) => e[ELEMENT] ?? e.ELEMENT ?? Object.values(e)[0];

export class WebDriverError extends Error {
  constructor(status, body, what) {
    super(`${what}: HTTP ${status}: ${JSON.stringify(body?.value ?? body).slice(0, 500)}`);
    this.status = status;
    this.error = body?.value?.error;
  }
}

async function request(base, method, path, body) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const json = text ? JSON.parse(text) : {};
  if (!res.ok) throw new WebDriverError(res.status, json, `${method} ${path}`);
  return json.value;
}

/** Polls `fn` until it returns a truthy value (returned) or `timeoutMs` passes (throws). */
export async function waitFor(fn, { timeoutMs = 10_000, intervalMs = 50, what = 'condition' } = {}) {
  const end = Date.now() + timeoutMs;
  let lastError;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > end) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${lastError.message}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export class Session {
  constructor(base, id) {
    this.base = base;
    this.id = id;
  }

  static async create(base, capabilities) {
    const v = await request(base, 'POST', '/session', { capabilities: { alwaysMatch: capabilities } });
    return new Session(base, v.sessionId);
  }

  cmd(method, path, body) {
    return request(this.base, method, `/session/${this.id}${path}`, body);
  }

  async quit() {
    await this.cmd('DELETE', '').catch(() => undefined);
  }

  /** Runs `script` (a function body using `arguments`) in the page. */
  exec(script, ...args) {
    return this.cmd('POST', '/execute/sync', { script, args });
  }

  /** Runs an async script: the body gets `done` as its last argument... via a Promise. */
  execAsync(body, ...args) {
    const script = `const done = arguments[arguments.length - 1];
      Promise.resolve((async () => { ${body} })(...Array.from(arguments).slice(0, -1)))
        .then((v) => done({ ok: true, v }), (e) => done({ ok: false, e: String(e && e.message || e) }));`;
    return this.cmd('POST', '/execute/async', { script, args }).then((r) => {
      if (!r.ok) throw new Error(r.e);
      return r.v;
    });
  }

  async findAll(css) {
    const v = await this.cmd('POST', '/elements', { using: 'css selector', value: css });
    return v.map((e) => new Element(this, elementId(e)));
  }

  async find(css) {
    const v = await this.cmd('POST', '/element', { using: 'css selector', value: css });
    return new Element(this, elementId(v));
  }

  /** Waits until `css` matches a displayed element and returns it. */
  async waitFor(css, opts = {}) {
    return waitFor(
      async () => {
        const els = await this.findAll(css);
        for (const e of els) if (await e.displayed()) return e;
        return null;
      },
      { what: `element ${css}`, ...opts },
    );
  }

  /** Waits until an element matching `css` contains `text`. */
  async waitForText(css, text, opts = {}) {
    return waitFor(
      async () => {
        for (const e of await this.findAll(css)) {
          const t = await e.text();
          if (t.includes(text)) return e;
        }
        return null;
      },
      { what: `"${text}" in ${css}`, ...opts },
    );
  }

  /** Waits until no element matches `css`, or none of those are displayed. */
  async waitGone(css, opts = {}) {
    return waitFor(
      async () => {
        for (const e of await this.findAll(css)) if (await e.displayed().catch(() => false)) return false;
        return true;
      },
      { what: `${css} to go`, ...opts },
    );
  }

  /** Clicks `css` once it is displayed and can take the click (not covered, not animating). */
  async click(css, opts = {}) {
    return waitFor(
      async () => {
        const e = await this.waitFor(css, opts);
        try {
          await e.click();
          return e;
        } catch (err) {
          if (/not interactable|click intercepted|stale/.test(err.message)) return null;
          throw err;
        }
      },
      { what: `a click on ${css}`, ...opts },
    );
  }

  /** Replaces the content of the field `css` with `text`, typed key by key as a user would. */
  async type(css, text, opts = {}) {
    const e = await waitFor(
      async () => {
        const el = await this.waitFor(css, opts);
        try {
          await el.clear();
          return el;
        } catch (err) {
          if (/not interactable|stale/.test(err.message)) return null;
          throw err;
        }
      },
      { what: `typing into ${css}`, ...opts },
    );
    if ((await e.prop('value')) !== '') await e.sendKeys('\uE009a\uE009\uE003');
    // Frameworks listen to input events, which clear does not always send: select and delete.
    await e.sendKeys('\uE009a\uE009\uE003');
    if (text !== '') await e.sendKeys(text);
    return e;
  }

  /** Draws a stroke through `points` ([x, y] relative to the centre of `css`) with the mouse. */
  async draw(css, points) {
    // Viewport coordinates from the element's box: WebKitWebDriver refuses element origins.
    const box = await this.exec(
      'const r = document.querySelector(arguments[0]).getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2];',
      css,
    );
    const origin = 'viewport';
    points = points.map(([x, y]) => [Math.round(box[0] + x), Math.round(box[1] + y)]);
    const [first, ...rest] = points;
    const actions = [
      { type: 'pointerMove', origin, x: first[0], y: first[1], duration: 0 },
      { type: 'pointerDown', button: 0 },
      ...rest.map(([x, y]) => ({ type: 'pointerMove', origin, x, y, duration: 30 })),
      { type: 'pointerUp', button: 0 },
    ];
    await this.cmd('POST', '/actions', {
      actions: [{ type: 'pointer', id: 'finger', parameters: { pointerType: 'mouse' }, actions }],
    });
    await this.cmd('DELETE', '/actions').catch(() => undefined);
  }

  async screenshotPng() {
    const b64 = await this.cmd('GET', '/screenshot');
    return Buffer.from(b64, 'base64');
  }

  url() {
    return this.cmd('GET', '/url');
  }
}

export class Element {
  constructor(session, id) {
    this.s = session;
    this.id = id;
  }
  cmd(method, path, body) {
    return this.s.cmd(method, `/element/${this.id}${path}`, body);
  }
  click() {
    return this.cmd('POST', '/click', {});
  }
  clear() {
    return this.cmd('POST', '/clear', {});
  }
  sendKeys(text) {
    return this.cmd('POST', '/value', { text });
  }
  text() {
    return this.cmd('GET', '/text');
  }
  attr(name) {
    return this.cmd('GET', `/attribute/${name}`);
  }
  prop(name) {
    return this.cmd('GET', `/property/${name}`);
  }
  displayed() {
    return this.cmd('GET', '/displayed');
  }
  async findAll(css) {
    const v = await this.cmd('POST', '/elements', { using: 'css selector', value: css });
    return v.map((e) => new Element(this.s, elementId(e)));
  }
}
