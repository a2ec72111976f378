import { SignJWT } from 'jose';
import type { Role } from './principal';

export interface TokenClaims {
  sub: string;
  roles: readonly Role[];
  /** Lifetime: seconds, or a span such as `15m`, `1h`, `7d`. */
  expiresIn?: number | string;
  issuer?: string;
  audience?: string;
}

/**
 * Signs an HS256 token the services accept with AUTH_JWT_SECRET: for development and tests
 * (`npm run token`, the demo, the chaos run, benchmarks). Production tokens come from an identity provider.
 */
export async function signToken(secret: string, claims: TokenClaims): Promise<string> {
  const { sub, roles, expiresIn = '1h', issuer, audience } = claims;
  const token = new SignJWT({ roles: [...roles] })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime(typeof expiresIn === 'number' ? `${expiresIn}s` : expiresIn);
  if (issuer) {
    token.setIssuer(issuer);
  }
  if (audience) {
    token.setAudience(audience);
  }
  return token.sign(new TextEncoder().encode(secret));
}
