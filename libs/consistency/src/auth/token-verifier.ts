import { LRUCache } from 'lru-cache';
import { createRemoteJWKSet, decodeProtectedHeader, errors, JWTPayload, JWTVerifyGetKey, jwtVerify } from 'jose';
import type { AuthOptions } from './auth.options';
import { IdentityProviderUnavailableError } from './identity-provider-unavailable.error';
import { InvalidTokenError } from './invalid-token.error';
import { isRole, MAX_SUBJECT_LENGTH, Principal, Role, ROLES } from './principal';

/** Longer bearer tokens are refused unread (a token with a few claims is a few hundred bytes). */
export const MAX_TOKEN_LENGTH = 8192;

/** Allowed skew between the clocks of the token's issuer and this service. */
const CLOCK_TOLERANCE_SECONDS = 5;

/**
 * A verified token is trusted again without verifying its signature for at most this long (never
 * past its exp): a client's requests then cost one verification a minute instead of one each, and
 * a key the identity provider withdraws stops working within the minute.
 */
const VERIFIED_TTL_MS = 60_000;
/** Bytes of token text the cache of verified tokens may hold. */
const VERIFIED_CACHE_BYTES = 8 * 1024 * 1024;

const SHARED_SECRET_ALGORITHMS = ['HS256'];
const PUBLIC_KEY_ALGORITHMS = ['RS256', 'ES256'];

/**
 * Turns a bearer token into a Principal, or refuses it. Each algorithm family is verified only with
 * its own key (HS256 with the shared secret, RS256/ES256 with the identity provider's JWKS), so a
 * token cannot pass an HMAC made with a public key, and `none` is never accepted.
 */
export class TokenVerifier {
  private readonly jwks?: JWTVerifyGetKey;
  private readonly verified = new LRUCache<string, Principal>({
    maxSize: VERIFIED_CACHE_BYTES,
    sizeCalculation: (_principal, token) => token.length,
  });

  constructor(private readonly options: AuthOptions) {
    if (options.jwksUrl) {
      this.jwks = identityProviderKeys(createRemoteJWKSet(options.jwksUrl));
    }
  }

  async verify(token: string): Promise<Principal> {
    const known = this.verified.get(token);
    if (known) {
      return known;
    }
    if (token.length > MAX_TOKEN_LENGTH) {
      throw new InvalidTokenError(`the bearer token is longer than ${MAX_TOKEN_LENGTH} characters`);
    }
    let algorithm: unknown;
    try {
      algorithm = decodeProtectedHeader(token).alg;
    } catch {
      throw new InvalidTokenError('the bearer token is not a JWS');
    }
    let payload: JWTPayload;
    try {
      payload = await this.verifySignatureAndTimes(token, algorithm);
    } catch (error) {
      throw asVerificationError(error);
    }
    const principal = principalFrom(payload);
    const untilExpiry = (payload.exp ?? 0) * 1000 - Date.now();
    if (untilExpiry > 0) {
      this.verified.set(token, principal, { ttl: Math.min(VERIFIED_TTL_MS, untilExpiry) });
    }
    return principal;
  }

  private async verifySignatureAndTimes(token: string, algorithm: unknown): Promise<JWTPayload> {
    const claims = {
      issuer: this.options.issuer,
      audience: this.options.audience,
      requiredClaims: ['exp', 'sub'],
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
    };
    const { secret } = this.options;
    if (secret && SHARED_SECRET_ALGORITHMS.includes(String(algorithm))) {
      return (await jwtVerify(token, secret, { ...claims, algorithms: SHARED_SECRET_ALGORITHMS })).payload;
    }
    if (this.jwks && PUBLIC_KEY_ALGORITHMS.includes(String(algorithm))) {
      return (await jwtVerify(token, this.jwks, { ...claims, algorithms: PUBLIC_KEY_ALGORITHMS })).payload;
    }
    throw new InvalidTokenError('the bearer token is signed with an algorithm this service does not accept');
  }
}

/** The JWKS getter, with a provider that cannot be reached told apart from a token whose key it lacks. */
function identityProviderKeys(remote: JWTVerifyGetKey): JWTVerifyGetKey {
  return async (header, token) => {
    try {
      return await remote(header, token);
    } catch (error) {
      if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
        throw error;
      }
      throw new IdentityProviderUnavailableError(
        `the identity provider's keys (AUTH_JWKS_URL) could not be fetched: ${(error as Error).message}`,
      );
    }
  };
}

function asVerificationError(error: unknown): Error {
  if (error instanceof InvalidTokenError || error instanceof IdentityProviderUnavailableError) {
    return error;
  }
  if (error instanceof errors.JWTExpired) {
    return new InvalidTokenError('the bearer token has expired');
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    return new InvalidTokenError(`the bearer token's "${error.claim}" claim is missing or not accepted`);
  }
  if (error instanceof errors.JWSSignatureVerificationFailed || error instanceof errors.JWKSNoMatchingKey) {
    return new InvalidTokenError('the bearer token signature does not verify');
  }
  if (error instanceof errors.JOSEError) {
    return new InvalidTokenError('the bearer token is malformed');
  }
  return error instanceof Error ? error : new Error(String(error));
}

const CONTROL_CHARACTER = /\p{Cc}/u;

function principalFrom(payload: JWTPayload): Principal {
  const { sub, roles } = payload;
  if (typeof sub !== 'string' || sub.length === 0 || sub.length > MAX_SUBJECT_LENGTH || CONTROL_CHARACTER.test(sub)) {
    throw new InvalidTokenError(
      `the bearer token's "sub" claim must be 1 to ${MAX_SUBJECT_LENGTH} characters without control characters`,
    );
  }
  if (!Array.isArray(roles) || !roles.every(isRole)) {
    throw new InvalidTokenError(`the bearer token's "roles" claim must be an array of ${ROLES.join(', ')}`);
  }
  return { sub, roles: [...new Set<Role>(roles)] };
}
