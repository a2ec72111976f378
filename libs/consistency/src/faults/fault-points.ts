import { EnvError } from 'envalid';

/**
 * The library's named places where the failure-injection suite can break a process
 * deterministically; a service adds its own in its manifest (`faultPoints`).
 */
export const LIBRARY_FAULT_POINTS = [
  'outbox.after-commit-before-publish',
  'outbox.after-publish-before-mark',
  'consumer.after-commit-before-offset-commit',
  'idempotency.after-key-locked',
] as const;

/** A fault point's name: one of the library's or one a service declares. */
export type FaultPoint = string;

export const FAULT_KINDS = ['crash', 'throw', 'delay'] as const;

export type FaultAction = ({ kind: 'crash' } | { kind: 'throw' } | { kind: 'delay'; ms: number }) & {
  /** Hits left before the point disarms itself; absent, it acts on every hit. */
  times?: number;
};

export class InjectedFault extends Error {
  override readonly name = 'InjectedFault';
}

const FORMS = '<point>:crash, <point>:throw or <point>:delay:<ms>';

/** Parses FAULT_POINTS: comma-separated `point:crash`, `point:throw`, `point:delay:<ms>`, each of `known`. */
export function parseFaultPoints(input: string, known: readonly FaultPoint[]): Map<FaultPoint, FaultAction> {
  const faults = new Map<FaultPoint, FaultAction>();
  for (const entry of input.split(',').filter((part) => part.trim() !== '')) {
    const [point, kind, ms] = entry.trim().split(':');
    if (!known.includes(point)) {
      throw new EnvError(`"${entry}": unknown point; expected ${FORMS} with point one of ${known.join(', ')}`);
    }
    faults.set(point, parseAction(entry, kind, ms));
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

/**
 * Acts on armed fault points. Disabled (always in production), it holds nothing and cannot be
 * armed, so a point costs one lookup in an empty map.
 */
export class FaultInjector {
  private readonly armed: Map<FaultPoint, FaultAction>;

  constructor(
    readonly enabled = false,
    /** The points this process has: the library's and its service's. */
    readonly points: readonly FaultPoint[] = LIBRARY_FAULT_POINTS,
    armed: ReadonlyMap<FaultPoint, FaultAction> = new Map(),
  ) {
    this.armed = new Map(enabled ? armed : []);
  }

  arm(point: FaultPoint, action: FaultAction): void {
    if (!this.enabled) {
      throw new Error('fault injection is switched off in this process');
    }
    if (!this.points.includes(point)) {
      throw new Error(`unknown fault point "${point}"; known: ${this.points.join(', ')}`);
    }
    this.armed.set(point, action);
  }

  disarm(point?: FaultPoint): void {
    if (point) {
      this.armed.delete(point);
    } else {
      this.armed.clear();
    }
  }

  snapshot(): Partial<Record<FaultPoint, FaultAction>> {
    return Object.fromEntries(this.armed);
  }

  async hit(point: FaultPoint): Promise<void> {
    const action = this.armed.get(point);
    if (!action) {
      return;
    }
    if (action.times !== undefined) {
      if (action.times <= 1) {
        this.armed.delete(point);
      } else {
        this.armed.set(point, { ...action, times: action.times - 1 });
      }
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
