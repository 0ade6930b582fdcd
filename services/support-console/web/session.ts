/**
 * The signed-in user: the token they pasted (or the development sign-in minted), kept in
 * sessionStorage — it lives as long as the tab, and no other site can read it. The console decodes
 * the claims only to show who is signed in and to notice expiry early; the APIs verify the token.
 */
const STORAGE_KEY = 'publisher-support-console-token';

export interface Claims {
  sub: string;
  role: string;
  account_id: number | null;
  site_ids: number[] | null;
  /** Expiry in seconds since the epoch; null when the token has none. */
  exp: number | null;
}

export class TokenFormatError extends Error {}

/** Reads a JWT's claims without verifying it; throws TokenFormatError for anything not a JWT. */
function decodeClaims(token: string): Claims {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1])
    throw new TokenFormatError('This is not a token: a JWT has three parts separated by dots.');
  let payload: Record<string, unknown>;
  try {
    const base64 = parts[1].replace(/-/g, '+').replace(/_/g, '/');
    payload = JSON.parse(atob(base64.padEnd(Math.ceil(base64.length / 4) * 4, '=')));
  } catch {
    throw new TokenFormatError('This token cannot be read: its claims are not base64url JSON.');
  }
  if (typeof payload !== 'object' || payload === null) throw new TokenFormatError('This token has no claims.');
  return {
    sub: typeof payload.sub === 'string' ? payload.sub : '(no user)',
    role: typeof payload.role === 'string' ? payload.role : '(no role)',
    account_id: typeof payload.account_id === 'number' ? payload.account_id : null,
    site_ids: Array.isArray(payload.site_ids)
      ? payload.site_ids.filter((n): n is number => typeof n === 'number')
      : null,
    exp: typeof payload.exp === 'number' ? payload.exp : null,
  };
}

export interface Session {
  token: string;
  claims: Claims;
}

export function currentSession(): Session | null {
  const token = sessionStorage.getItem(STORAGE_KEY);
  if (!token) return null;
  try {
    return { token, claims: decodeClaims(token) };
  } catch {
    sessionStorage.removeItem(STORAGE_KEY);
    return null;
  }
}

export function isExpired(claims: Claims, now = Date.now()): boolean {
  return claims.exp !== null && claims.exp * 1000 <= now;
}

export function signIn(token: string): Session {
  const trimmed = token.trim().replace(/^Bearer\s+/i, '');
  const claims = decodeClaims(trimmed);
  sessionStorage.setItem(STORAGE_KEY, trimmed);
  return { token: trimmed, claims };
}

export function signOut(): void {
  sessionStorage.removeItem(STORAGE_KEY);
}
