import { randomFillSync } from 'node:crypto';

const TRACEPARENT = /^00-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/;

/** Random bytes for ids, filled by one call for about 170 traceparents: a crypto call per id showed in profiles. */
const POOL_BYTES = 4096;
const pool = Buffer.alloc(POOL_BYTES);
let used = POOL_BYTES;

function randomHex(bytes: number): string {
  if (used + bytes > POOL_BYTES) {
    randomFillSync(pool);
    used = 0;
  }
  const hex = pool.toString('hex', used, used + bytes);
  used += bytes;
  return hex;
}

/** A new W3C traceparent: version 00, random trace and span ids, sampled. */
export function newTraceparent(traceId = randomHex(16)): string {
  return `00-${traceId}-${randomHex(8)}-01`;
}

/** The trace id of a well-formed version-00 traceparent, or undefined. */
export function traceIdOf(traceparent: string | undefined): string | undefined {
  return TRACEPARENT.exec(traceparent ?? '')?.[1];
}

/** A child span of `traceparent`: same trace id, new span id; a new trace when it is not well-formed. */
export function childTraceparent(traceparent: string | undefined): string {
  return newTraceparent(traceIdOf(traceparent));
}
