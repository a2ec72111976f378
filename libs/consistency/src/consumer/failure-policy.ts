import { QueryFailedError } from 'typeorm';
import { EventTooLargeError, InvalidEventError } from '../outbox/outbox-message';
import { PoisonMessageError } from './poison-message.error';

/**
 * SQLSTATE classes that no retry can change: 22 data exception (invalid input syntax, value too
 * long, out of range) and 23 integrity constraint violation. Class 40 (serialization, deadlock),
 * 55P03 (lock timeout), 57014 (statement timeout) and lost connections are worth retrying.
 */
const PERMANENT_SQLSTATE_CLASSES = ['22', '23'];

/** Whether a handler's error can never succeed on retry, so its message is poison at once. */
export function isPermanentFailure(error: unknown): boolean {
  if (
    error instanceof PoisonMessageError ||
    error instanceof InvalidEventError ||
    error instanceof EventTooLargeError
  ) {
    return true;
  }
  if (error instanceof QueryFailedError) {
    const code = (error.driverError as { code?: unknown }).code;
    return typeof code === 'string' && PERMANENT_SQLSTATE_CLASSES.includes(code.slice(0, 2));
  }
  return false;
}
