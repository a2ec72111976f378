import { ConfigurationError } from '../platform/config/configuration-error';
import { loadAuthOptions, MIN_SECRET_LENGTH } from './auth.options';

describe('loadAuthOptions', () => {
  const secret = 's'.repeat(MIN_SECRET_LENGTH);

  it('when neither a secret nor a JWKS URL is set, then the error names both variables', () => {
    expect(() => loadAuthOptions({})).toThrow(ConfigurationError);
    expect(() => loadAuthOptions({})).toThrow(/AUTH_JWT_SECRET or AUTH_JWKS_URL is required/);
  });

  it('when the secret is too short, then the error names the variable and not the value', () => {
    const short = 'hunter2-but-not-long-enough';
    let message = '';
    try {
      loadAuthOptions({ AUTH_JWT_SECRET: short });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain(`AUTH_JWT_SECRET is invalid: must be at least ${MIN_SECRET_LENGTH} characters`);
    expect(message).not.toContain(short);
  });

  it('when the secret is set, then it is held as a key object that prints no key material', () => {
    const options = loadAuthOptions({ AUTH_JWT_SECRET: secret });
    expect(options.secret?.symmetricKeySize).toBe(MIN_SECRET_LENGTH);
    expect(JSON.stringify(options)).not.toContain(secret);
  });

  it.each(['http://idp.example.com/jwks.json', 'ftp://idp.example.com/jwks.json', 'not a url'])(
    'when AUTH_JWKS_URL is %s, then it is refused by name',
    (url) => {
      expect(() => loadAuthOptions({ AUTH_JWKS_URL: url })).toThrow(/AUTH_JWKS_URL is invalid/);
    },
  );

  it('when a JWKS URL is https or loopback http, then it is taken with the optional issuer and audience', () => {
    expect(
      loadAuthOptions({
        AUTH_JWKS_URL: 'https://idp.example.com/.well-known/jwks.json',
        AUTH_ISSUER: 'https://idp.example.com/',
        AUTH_AUDIENCE: 'orders',
      }),
    ).toEqual({
      jwksUrl: new URL('https://idp.example.com/.well-known/jwks.json'),
      issuer: 'https://idp.example.com/',
      audience: 'orders',
    });
    expect(loadAuthOptions({ AUTH_JWKS_URL: 'http://127.0.0.1:8080/jwks' }).jwksUrl?.port).toBe('8080');
  });
});
