/**
 * A bearer token that proves nothing (missing, malformed, expired, badly signed, wrong claims): 401.
 * The message is a fixed phrase, never the token or the key.
 */
export class InvalidTokenError extends Error {
  override readonly name = 'InvalidTokenError';

  constructor(
    message: string,
    /** RFC 6750 error code for `WWW-Authenticate`; null when no token was sent at all. */
    readonly code: 'invalid_request' | 'invalid_token' | null = 'invalid_token',
  ) {
    super(message);
  }
}
