import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import type { Principal } from '@app/consistency';

/** The cookie a browser's session lives in: the bearer token itself, out of reach of scripts. */
export const SESSION_COOKIE = 'console_session';

/** The form field every state-changing form of a cookie session carries. */
export const CSRF_FIELD = '_csrf';

const principals = new WeakMap<Request, AuthenticatedRequest>();

export interface AuthenticatedRequest {
  principal: Principal;
  /** The CSRF token of a cookie session (a browser), for its forms; none for a bearer-token client. */
  csrf?: string;
}

export function setAuthenticated(request: Request, authenticated: AuthenticatedRequest): void {
  principals.set(request, authenticated);
}

export function authenticatedOf(request: Request): AuthenticatedRequest | undefined {
  return principals.get(request);
}

export function cookieValue(request: Request, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const index = part.indexOf('=');
    if (index > 0 && part.slice(0, index).trim() === name) {
      return part.slice(index + 1).trim();
    }
  }
  return undefined;
}

/**
 * Synchronizer tokens for forms: an HMAC of the session's token under a key of this process, so a
 * page of another site (which cannot read ours) cannot forge one. A restart asks for a reload.
 */
export class CsrfTokens {
  private readonly key = randomBytes(32);

  issue(sessionToken: string): string {
    return createHmac('sha256', this.key).update(sessionToken).digest('base64url');
  }

  verify(sessionToken: string, candidate: unknown): boolean {
    if (typeof candidate !== 'string') {
      return false;
    }
    const expected = Buffer.from(this.issue(sessionToken));
    const given = Buffer.from(candidate);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }
}

/** A redirect target that stays on this site: a path, never `//host` or a scheme. */
export function localPath(candidate: unknown): string {
  return typeof candidate === 'string' && /^\/(?![/\\])[\x21-\x7e]*$/.test(candidate) && candidate.length <= 512
    ? candidate
    : '/';
}
