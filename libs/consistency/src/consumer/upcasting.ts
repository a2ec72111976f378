import { PoisonMessageError } from './poison-message.error';

/** Turns the payload of version N into version N+1 of the same event type. */
export type Upcaster = (payload: unknown) => unknown;

/** Upcasters by event type, then by the version they upgrade from. */
export type UpcasterRegistry = Readonly<Record<string, Readonly<Record<number, Upcaster>>>>;

export interface VersionedEvent {
  type: string;
  version: number;
  payload: unknown;
}

/**
 * Brings an event to a version its handler accepts by applying upcasters one version at a time;
 * an event that cannot get there is poison.
 */
export function upcast<T extends VersionedEvent>(event: T, accepted: readonly number[], registry: UpcasterRegistry): T {
  let current: T = event;
  while (!accepted.includes(current.version)) {
    const next = registry[current.type]?.[current.version];
    if (!next || current.version > Math.max(...accepted)) {
      throw new PoisonMessageError(
        `${event.type} version ${event.version} is not accepted (accepts ${accepted.join(', ')}) and no upcaster leads there`,
      );
    }
    current = { ...current, version: current.version + 1, payload: next(current.payload) };
  }
  return current;
}
