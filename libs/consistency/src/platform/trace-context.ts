import { randomBytes } from 'node:crypto';

const TRACEPARENT = /^00-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/;

/** A new W3C traceparent: version 00, random trace and span ids, sampled. */
export function newTraceparent(traceId = randomBytes(16).toString('hex')): string {
  return `00-${traceId}-${randomBytes(8).toString('hex')}-01`;
}

/** The trace id of a well-formed version-00 traceparent, or undefined. */
export function traceIdOf(traceparent: string | undefined): string | undefined {
  return TRACEPARENT.exec(traceparent ?? '')?.[1];
}

/** A child span of `traceparent`: same trace id, new span id; a new trace when it is not well-formed. */
export function childTraceparent(traceparent: string | undefined): string {
  return newTraceparent(traceIdOf(traceparent));
}
