import { EnvError } from 'envalid';

/** Named places where the failure-injection suite can break a process deterministically. */
export const FAULT_POINTS = [
  'outbox.after-commit-before-publish',
  'outbox.after-publish-before-mark',
  'consumer.after-commit-before-offset-commit',
  'idempotency.after-key-locked',
] as const;

export type FaultPoint = (typeof FAULT_POINTS)[number];

export type FaultAction = { kind: 'crash' } | { kind: 'throw' } | { kind: 'delay'; ms: number };

export class InjectedFault extends Error {
  override readonly name = 'InjectedFault';
}

const FORMS = '<point>:crash, <point>:throw or <point>:delay:<ms>';

/**
 * Parses FAULT_POINTS (comma-separated `point:crash`, `point:throw`, `point:delay:<ms>`), refusing
 * it in production so a stray variable can never break a live service.
 */
export function parseFaultPoints(input: string, nodeEnv: string): Map<FaultPoint, FaultAction> {
  const faults = new Map<FaultPoint, FaultAction>();
  if (input.trim() === '') {
    return faults;
  }
  if (nodeEnv === 'production') {
    throw new EnvError('fault injection is not available when NODE_ENV=production');
  }
  for (const entry of input.split(',')) {
    const [point, kind, ms] = entry.trim().split(':');
    if (!(FAULT_POINTS as readonly string[]).includes(point)) {
      throw new EnvError(`"${entry}": unknown point; expected ${FORMS} with point one of ${FAULT_POINTS.join(', ')}`);
    }
    faults.set(point as FaultPoint, parseAction(entry, kind, ms));
  }
  return faults;
}

function parseAction(entry: string, kind: string | undefined, ms: string | undefined): FaultAction {
  if ((kind === 'crash' || kind === 'throw') && ms === undefined) {
    return { kind };
  }
  if (kind === 'delay' && ms !== undefined && /^\d+$/.test(ms)) {
    return { kind, ms: Number(ms) };
  }
  throw new EnvError(`"${entry}": expected ${FORMS}`);
}

/** Acts on a fault point when enabled; a map lookup otherwise. */
export class FaultInjector {
  constructor(private readonly faults: ReadonlyMap<FaultPoint, FaultAction> = new Map()) {}

  async hit(point: FaultPoint): Promise<void> {
    const action = this.faults.get(point);
    if (!action) {
      return;
    }
    switch (action.kind) {
      case 'crash':
        process.stderr.write(`fault point ${point}: SIGKILL\n`);
        process.kill(process.pid, 'SIGKILL');
        return;
      case 'throw':
        throw new InjectedFault(`fault point ${point}`);
      case 'delay':
        await new Promise((resolve) => setTimeout(resolve, action.ms));
    }
  }
}
