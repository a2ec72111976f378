import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, JWK, SignJWT } from 'jose';
import { loadAuthOptions } from './auth.options';
import { IdentityProviderUnavailableError } from './identity-provider-unavailable.error';
import { InvalidTokenError } from './invalid-token.error';
import { signToken } from './sign-token';
import { TokenVerifier } from './token-verifier';

const secret = 'a-development-secret-of-at-least-32-chars';
const hs256 = new TokenVerifier(loadAuthOptions({ AUTH_JWT_SECRET: secret }));
const now = () => Math.floor(Date.now() / 1000);
const encode = (part: object) => Buffer.from(JSON.stringify(part)).toString('base64url');
const key = () => new TextEncoder().encode(secret);

async function refusal(verifier: TokenVerifier, token: string): Promise<Error> {
  return verifier.verify(token).then(
    () => {
      throw new Error('the token was accepted');
    },
    (error: Error) => error,
  );
}

describe('TokenVerifier with AUTH_JWT_SECRET (HS256)', () => {
  it('when the token is signed with the secret, then the principal is its sub and roles', async () => {
    const token = await signToken(secret, { sub: 'alice', roles: ['customer', 'customer'] });
    await expect(hs256.verify(token)).resolves.toEqual({ sub: 'alice', roles: ['customer'] });
  });

  it.each<[string, () => Promise<string>, RegExp]>([
    ['it has expired', () => signToken(secret, { sub: 'alice', roles: ['customer'], expiresIn: -60 }), /has expired/],
    [
      'it has no exp',
      () => new SignJWT({ roles: ['customer'] }).setProtectedHeader({ alg: 'HS256' }).setSubject('alice').sign(key()),
      /"exp" claim is missing/,
    ],
    [
      'it has no sub',
      () =>
        new SignJWT({ roles: ['customer'] }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(key()),
      /"sub" claim is missing/,
    ],
    [
      'it is signed with another secret',
      () => signToken('another-secret-that-is-also-32-chars-long', { sub: 'alice', roles: ['admin'] }),
      /signature does not verify/,
    ],
    [
      'it is unsigned (alg none)',
      () =>
        Promise.resolve(
          `${encode({ alg: 'none', typ: 'JWT' })}.${encode({ sub: 'eve', roles: ['admin'], exp: now() + 600 })}.`,
        ),
      /algorithm this service does not accept/,
    ],
    [
      'it uses HS512',
      () =>
        new SignJWT({ roles: ['admin'] })
          .setProtectedHeader({ alg: 'HS512' })
          .setSubject('eve')
          .setExpirationTime('1h')
          .sign(key()),
      /algorithm this service does not accept/,
    ],
    ['it carries an unknown role', () => signToken(secret, { sub: 'eve', roles: ['root' as 'admin'] }), /"roles"/],
    [
      'its roles claim is a string',
      () =>
        new SignJWT({ roles: 'admin' })
          .setProtectedHeader({ alg: 'HS256' })
          .setSubject('eve')
          .setExpirationTime('1h')
          .sign(key()),
      /"roles"/,
    ],
    ['its sub is huge', () => signToken(secret, { sub: 'x'.repeat(65), roles: ['customer'] }), /"sub"/],
    ['its sub holds a NUL', () => signToken(secret, { sub: 'ali\u0000ce', roles: ['customer'] }), /"sub"/],
    ['it is not a JWT', () => Promise.resolve('not-a-token'), /not a JWS/],
    ['it is longer than allowed', () => Promise.resolve(`${'a'.repeat(9000)}.b.c`), /longer than/],
  ])('when %s, then it is refused as an invalid token', async (_case, mint, reason) => {
    const error = await refusal(hs256, await mint());
    expect(error).toBeInstanceOf(InvalidTokenError);
    expect(error.message).toMatch(reason);
    expect(error.message).not.toContain(secret);
  });

  it('when AUTH_ISSUER and AUTH_AUDIENCE are set, then tokens must name them', async () => {
    const strict = new TokenVerifier(
      loadAuthOptions({ AUTH_JWT_SECRET: secret, AUTH_ISSUER: 'https://idp.test/', AUTH_AUDIENCE: 'orders' }),
    );
    const right = await signToken(secret, {
      sub: 'alice',
      roles: ['customer'],
      issuer: 'https://idp.test/',
      audience: 'orders',
    });
    await expect(strict.verify(right)).resolves.toMatchObject({ sub: 'alice' });
    const wrongAudience = await signToken(secret, {
      sub: 'alice',
      roles: ['customer'],
      issuer: 'https://idp.test/',
      audience: 'billing',
    });
    expect((await refusal(strict, wrongAudience)).message).toMatch(/"aud"/);
    const noIssuer = await signToken(secret, { sub: 'alice', roles: ['customer'], audience: 'orders' });
    expect((await refusal(strict, noIssuer)).message).toMatch(/"iss"/);
  });
});

describe('TokenVerifier with AUTH_JWKS_URL (RS256/ES256)', () => {
  let server: Server;
  let jwksUrl: string;
  let rsa: Awaited<ReturnType<typeof generateKeyPair>>;
  let ec: Awaited<ReturnType<typeof generateKeyPair>>;
  let publicRsaJwk: JWK;

  beforeAll(async () => {
    [rsa, ec] = await Promise.all([generateKeyPair('RS256'), generateKeyPair('ES256')]);
    publicRsaJwk = { ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' };
    const keys = [publicRsaJwk, { ...(await exportJWK(ec.publicKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' }];
    server = createServer((_request, response) => {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ keys }));
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
  });

  afterAll(async () => {
    await new Promise((done) => server.close(done));
  });

  const sign = (alg: string, kid: string, privateKey: Parameters<SignJWT['sign']>[0]) =>
    new SignJWT({ roles: ['customer'] })
      .setProtectedHeader({ alg, kid })
      .setSubject('carol')
      .setExpirationTime('5m')
      .sign(privateKey);

  it('when a token is signed by a key of the JWKS (RS256 or ES256), then it verifies', async () => {
    const verifier = new TokenVerifier(loadAuthOptions({ AUTH_JWKS_URL: jwksUrl }));
    await expect(verifier.verify(await sign('RS256', 'rsa-1', rsa.privateKey))).resolves.toEqual({
      sub: 'carol',
      roles: ['customer'],
    });
    await expect(verifier.verify(await sign('ES256', 'ec-1', ec.privateKey))).resolves.toMatchObject({ sub: 'carol' });
  });

  it('when a token is HMAC-signed with the public key as the secret, then it is refused', async () => {
    const verifier = new TokenVerifier(loadAuthOptions({ AUTH_JWKS_URL: jwksUrl }));
    const forged = await new SignJWT({ roles: ['admin'] })
      .setProtectedHeader({ alg: 'HS256', kid: 'rsa-1' })
      .setSubject('mallory')
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(JSON.stringify(publicRsaJwk)));
    expect(await refusal(verifier, forged)).toBeInstanceOf(InvalidTokenError);
  });

  it('when a token is signed by a key the JWKS does not hold, then it is refused', async () => {
    const verifier = new TokenVerifier(loadAuthOptions({ AUTH_JWKS_URL: jwksUrl }));
    const stranger = await generateKeyPair('RS256');
    const error = await refusal(verifier, await sign('RS256', 'rsa-unknown', stranger.privateKey));
    expect(error).toBeInstanceOf(InvalidTokenError);
    expect(error.message).toMatch(/signature does not verify/);
  });

  it('when both are configured, then an HS256 token still needs the secret and an RS256 one the JWKS', async () => {
    const both = new TokenVerifier(loadAuthOptions({ AUTH_JWT_SECRET: secret, AUTH_JWKS_URL: jwksUrl }));
    await expect(both.verify(await signToken(secret, { sub: 'dev', roles: ['admin'] }))).resolves.toMatchObject({
      sub: 'dev',
    });
    await expect(both.verify(await sign('RS256', 'rsa-1', rsa.privateKey))).resolves.toMatchObject({ sub: 'carol' });
  });

  it('when the identity provider cannot be reached, then the failure says so instead of blaming the token', async () => {
    const closed = createServer();
    await new Promise<void>((done) => closed.listen(0, '127.0.0.1', done));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((done) => closed.close(done));
    const verifier = new TokenVerifier(loadAuthOptions({ AUTH_JWKS_URL: `http://127.0.0.1:${port}/jwks.json` }));
    expect(await refusal(verifier, await sign('RS256', 'rsa-1', rsa.privateKey))).toBeInstanceOf(
      IdentityProviderUnavailableError,
    );
  });
});
