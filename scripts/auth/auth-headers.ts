import { loadInfraEnv, Role, signToken } from '@app/consistency/tools';

/** The subject of the development administrator that tools act as (seeding stock, arming faults). */
export const DEV_ADMIN = 'dev-admin';

const TOKEN_LIFETIME_SECONDS = 3600;

/**
 * The HS256 secret the local services verify with: AUTH_JWT_SECRET from the environment, else from
 * `.local/infra.env` (where `npm run infra:up` puts it), read the way the services read it.
 */
export function devAuthSecret(env: NodeJS.ProcessEnv = process.env): string {
  const view = { ...env };
  loadInfraEnv(view);
  const secret = view.AUTH_JWT_SECRET;
  if (!secret) {
    throw new Error('AUTH_JWT_SECRET is not set and no infra.env provides it: run `npm run infra:up` first');
  }
  return secret;
}

const MAX_CACHED_TOKENS = 10_000;
const minted = new Map<string, { headers: { authorization: string }; renewAt: number }>();
let localSecret: string | undefined;

/**
 * `{ authorization: 'Bearer …' }` for `sub` with `roles`, signed with `secret` (by default the
 * development secret); a token is reused for half its lifetime, so clients in a hot loop do not
 * sign every request.
 */
export async function authHeaders(
  sub: string,
  roles: readonly Role[] = ['customer'],
  secret?: string,
): Promise<{ authorization: string }> {
  const key = secret ?? (localSecret ??= devAuthSecret());
  const cacheKey = JSON.stringify([key, sub, [...roles].sort()]);
  const cached = minted.get(cacheKey);
  if (cached && cached.renewAt > Date.now()) {
    return cached.headers;
  }
  const token = await signToken(key, { sub, roles, expiresIn: TOKEN_LIFETIME_SECONDS });
  const headers = { authorization: `Bearer ${token}` };
  if (minted.size >= MAX_CACHED_TOKENS) {
    minted.clear();
  }
  minted.set(cacheKey, { headers, renewAt: Date.now() + (TOKEN_LIFETIME_SECONDS * 1000) / 2 });
  return headers;
}

/** Headers of the development administrator. */
export function adminHeaders(secret?: string): Promise<{ authorization: string }> {
  return authHeaders(DEV_ADMIN, ['admin'], secret);
}
