/** A message that can never be processed as it is: it goes to the dead-letter topic at once. */
export class PoisonMessageError extends Error {
  override readonly name = 'PoisonMessageError';
}
