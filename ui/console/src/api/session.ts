// The console session: the credential the service issued at sign-in, kept in sessionStorage (so
// it ends with the browser tab) and sent as `Authorization: Bearer …`.

import { reactive } from 'vue';
import type { Enrolment, User } from './types';

export const CREDENTIAL_KEY = 'fangpin.console.credential';
export const EXPIRES_KEY = 'fangpin.console.expires_ms';
export const USER_KEY = 'fangpin.console.user';

export interface Session {
  credential: string;
  expiresMs: number;
  user: User | null;
}

function read(): Session | null {
  const credential = sessionStorage.getItem(CREDENTIAL_KEY);
  if (!credential) return null;
  let user: User | null = null;
  try {
    user = JSON.parse(sessionStorage.getItem(USER_KEY) ?? 'null') as User | null;
  } catch {
    user = null;
  }
  return { credential, expiresMs: Number(sessionStorage.getItem(EXPIRES_KEY) ?? 0), user };
}

/** The current session, or null when signed out. */
export const session = reactive<{ current: Session | null }>({ current: read() });

/** Keeps the credential of a successful sign-in. */
export function startSession(e: Pick<Enrolment, 'credential' | 'expires_ms' | 'user'>): void {
  sessionStorage.setItem(CREDENTIAL_KEY, e.credential);
  sessionStorage.setItem(EXPIRES_KEY, String(e.expires_ms));
  sessionStorage.setItem(USER_KEY, JSON.stringify(e.user));
  session.current = { credential: e.credential, expiresMs: e.expires_ms, user: e.user };
}

/** Updates the signed-in user (from /api/v1/me). */
export function setUser(user: User): void {
  if (!session.current) return;
  sessionStorage.setItem(USER_KEY, JSON.stringify(user));
  session.current.user = user;
}

/** Forgets the credential. */
export function endSession(): void {
  sessionStorage.removeItem(CREDENTIAL_KEY);
  sessionStorage.removeItem(EXPIRES_KEY);
  sessionStorage.removeItem(USER_KEY);
  session.current = null;
}

/** The credential to send, or null when there is none or it has expired. */
export function credential(now: number = Date.now()): string | null {
  const s = session.current;
  if (!s) return null;
  if (s.expiresMs && s.expiresMs <= now) {
    endSession();
    return null;
  }
  return s.credential;
}
