// Calls of the sync service's JSON API (docs/openapi.json) from the console, on the same origin
// (the service serves the console under /console/; `npm run dev` proxies /api to it).
// Errors become ApiError with the service's stable code and its Chinese text; a 401 on a
// signed-in call ends the session and hands over to the unauthorised handler (the router sends
// the user back to the sign-in page).

import { BAD_RESPONSE, errorText, NETWORK } from './errors';
import { credential, endSession, startSession } from './session';
import type { Enrolment, ErrorBody, JsonAnswer, Me, SignIn } from './types';

/** A failed call: the HTTP status (0 when there was no answer), the code and its Chinese text. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly retryAfterMs: number | null;
  /** What to show the user, in Chinese. */
  readonly text: string;
  constructor(status: number, code: string, retryAfterMs: number | null = null) {
    super(`${status} ${code}`);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.retryAfterMs = retryAfterMs;
    this.text = errorText(code, retryAfterMs);
  }
}

let unauthorised: (e: ApiError) => void = () => undefined;

/** Sets what happens when the service answers 401 to a signed-in call. */
export function onUnauthorised(handler: (e: ApiError) => void): void {
  unauthorised = handler;
}

async function errorOf(res: Response): Promise<ApiError> {
  try {
    const body = (await res.json()) as Partial<ErrorBody>;
    if (typeof body.code === 'string' && body.code) {
      return new ApiError(res.status, body.code, body.retry_after_ms ?? null);
    }
  } catch {
    // Not JSON (a proxy's error page): reported by status below.
  }
  return new ApiError(res.status, res.status === 401 ? 'unauthenticated' : BAD_RESPONSE);
}

interface Options {
  body?: unknown;
  /** Send the session's credential (default); a 401 then ends the session. */
  auth?: boolean;
}

/** One JSON call of the service. */
export async function request<T>(method: string, path: string, { body, auth = true }: Options = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (auth) {
    const c = credential();
    if (!c) {
      const e = new ApiError(401, 'unauthenticated');
      unauthorised(e);
      throw e;
    }
    headers.Authorization = `Bearer ${c}`;
  }
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, NETWORK);
  }
  if (!res.ok) {
    const e = await errorOf(res);
    if (auth && res.status === 401) {
      endSession();
      unauthorised(e);
    }
    throw e;
  }
  if (res.status === 204) return undefined as T;
  try {
    return (await res.json()) as T;
  } catch {
    throw new ApiError(res.status, BAD_RESPONSE);
  }
}

/** Signs in (POST /api/v1/login) and keeps the credential for the following calls. */
export async function login(username: string, password: string): Promise<Enrolment> {
  const req: SignIn = { username, password };
  const out = await request<JsonAnswer<'/api/v1/login', 'post', 200>>('POST', '/api/v1/login', { body: req, auth: false });
  startSession(out);
  return out;
}

export const api = {
  /** Who is signed in (GET /api/v1/me). */
  me: () => request<Me>('GET', '/api/v1/me'),
};
