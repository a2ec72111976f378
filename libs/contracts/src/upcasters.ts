/**
 * Upcasters of the saga's events, by type and the version they upgrade from. Every event is at
 * version 1 today; a v2 adds its `1: (v1) => v2` here when it changes a payload.
 */
export const SAGA_UPCASTERS: Readonly<Record<string, Readonly<Record<number, (payload: unknown) => unknown>>>> = {};
