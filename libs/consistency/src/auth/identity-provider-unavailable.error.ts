/** The identity provider's JWKS could not be fetched, so a token signed with its keys cannot be checked yet: 503. */
export class IdentityProviderUnavailableError extends Error {
  override readonly name = 'IdentityProviderUnavailableError';
}
