/** Number of lanes; also the most relay instances that can publish in parallel. Fixed by migration. */
export const OUTBOX_LANES = 64;

/** FNV-1a of the message key: stable across processes and versions, cheap, well spread. */
export function laneOf(messageKey: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < messageKey.length; i++) {
    hash ^= messageKey.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % OUTBOX_LANES;
}
