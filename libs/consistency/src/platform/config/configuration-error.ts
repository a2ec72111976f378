/** Raised before anything starts when the environment is wrong; the message names each bad variable. */
export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
}
