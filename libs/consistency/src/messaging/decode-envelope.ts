import { EventEnvelope } from '@app/contracts';
import { PoisonMessageError } from './poison-message.error';

/** An envelope whose type and payload are not checked against the contract yet. */
export type RawEnvelope = Omit<EventEnvelope, 'type' | 'payload'> & { type: string; payload: unknown };

/** Parses and checks the envelope of DESIGN section 4; anything else is poison. */
export function decodeEnvelope(value: Buffer | null): RawEnvelope {
  if (!value || value.length === 0) {
    throw new PoisonMessageError('empty message value');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch (error) {
    throw new PoisonMessageError(`value is not JSON: ${(error as Error).message}`);
  }
  const problem = envelopeProblem(parsed);
  if (problem) {
    throw new PoisonMessageError(`not an event envelope: ${problem}`);
  }
  return parsed as RawEnvelope;
}

function envelopeProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return 'expected a JSON object';
  }
  const envelope = value as Record<string, unknown>;
  for (const field of ['id', 'type', 'occurredAt', 'orderId', 'correlationId']) {
    if (typeof envelope[field] !== 'string' || envelope[field] === '') {
      return `${field} must be a non-empty string`;
    }
  }
  if (!Number.isInteger(envelope.version) || (envelope.version as number) < 1) {
    return 'version must be a positive integer';
  }
  if (!('payload' in envelope)) {
    return 'payload is missing';
  }
  return undefined;
}
