import { createSecretKey, KeyObject } from 'node:crypto';
import { EnvError, makeValidator, str } from 'envalid';
import { ConfigurationError } from '../platform/config/configuration-error';
import { validateEnv } from '../platform/config/validate-env';

/** Shortest AUTH_JWT_SECRET accepted: 256 bits of base64 or hex need at least this many characters. */
export const MIN_SECRET_LENGTH = 32;

export interface AuthOptions {
  /** HS256 key (AUTH_JWT_SECRET), kept as a KeyObject so that logging the config cannot print it. */
  secret?: KeyObject;
  /** Where the identity provider publishes its RS256/ES256 verification keys (AUTH_JWKS_URL). */
  jwksUrl?: URL;
  /** Required `iss` when set (AUTH_ISSUER). */
  issuer?: string;
  /** Required `aud` when set (AUTH_AUDIENCE). */
  audience?: string;
}

// Errors name the rule, never the value: the value is a secret.
const secretText = makeValidator<string>((input) => {
  if (input.length < MIN_SECRET_LENGTH) {
    throw new EnvError(`must be at least ${MIN_SECRET_LENGTH} characters (e.g. openssl rand -base64 32)`);
  }
  return input;
});

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** https, or plain http to a loopback address (a local identity provider in development). */
const jwksUrl = makeValidator<string>((input) => {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new EnvError('expected an absolute URL such as https://idp.example.com/.well-known/jwks.json');
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname))) {
    throw new EnvError('expected an https URL (plain http only to a loopback address)');
  }
  return url.toString();
});

export function loadAuthOptions(env: NodeJS.ProcessEnv = process.env): AuthOptions {
  const clean = validateEnv(
    {
      AUTH_JWT_SECRET: secretText({ default: undefined, desc: 'HS256 secret the bearer tokens are signed with' }),
      AUTH_JWKS_URL: jwksUrl({ default: undefined, desc: 'JWKS of an identity provider (RS256/ES256 tokens)' }),
      AUTH_ISSUER: str({ default: undefined, desc: 'required `iss` claim' }),
      AUTH_AUDIENCE: str({ default: undefined, desc: 'required `aud` claim' }),
    },
    env,
  );
  if (!clean.AUTH_JWT_SECRET && !clean.AUTH_JWKS_URL) {
    throw new ConfigurationError(
      'Invalid configuration: AUTH_JWT_SECRET or AUTH_JWKS_URL is required but neither is set ' +
        '(`npm run infra:up` writes a development AUTH_JWT_SECRET into .local/infra.env)',
    );
  }
  return {
    ...(clean.AUTH_JWT_SECRET ? { secret: createSecretKey(Buffer.from(clean.AUTH_JWT_SECRET, 'utf8')) } : {}),
    ...(clean.AUTH_JWKS_URL ? { jwksUrl: new URL(clean.AUTH_JWKS_URL) } : {}),
    ...(clean.AUTH_ISSUER ? { issuer: clean.AUTH_ISSUER } : {}),
    ...(clean.AUTH_AUDIENCE ? { audience: clean.AUTH_AUDIENCE } : {}),
  };
}
