import { BadRequestException, createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';

/** The longest `wait`: under the idle timeouts of common proxies and load balancers (60 s). */
export const MAX_WAIT_MS = 30_000;

const DURATION = /^(\d{1,5})(ms|s)$/;

export const WAIT_RULE = `a whole number of s or ms (5s, 500ms), at most ${MAX_WAIT_MS / 1000}s`;

/** `5s` or `500ms` in milliseconds, or undefined when the text is not such a duration within the maximum. */
export function parseWaitDuration(text: string): number | undefined {
  const match = DURATION.exec(text);
  if (!match) {
    return undefined;
  }
  const ms = Number(match[1]) * (match[2] === 's' ? 1000 : 1);
  return ms <= MAX_WAIT_MS ? ms : undefined;
}

/** What a long poll waits for: any change of status (the default), or the order's outcome. */
export const WAIT_UNTIL = ['change', 'terminal'] as const;

export type WaitUntil = (typeof WAIT_UNTIL)[number];

export interface LongPoll {
  /** 0 when the request does not wait. */
  waitMs: number;
  until: WaitUntil;
}

const isWaitUntil = (text: unknown): text is WaitUntil => WAIT_UNTIL.some((until) => until === text);

/**
 * The `wait` (in milliseconds, 0 when absent) and `until` query parameters; anything else is a 400.
 * A decorator rather than a pipe: the global ValidationPipe would turn a `number` query parameter
 * into NaN first.
 */
export const LongPollQuery = createParamDecorator((_data: unknown, context: ExecutionContext): LongPoll => {
  const { wait, until = 'change' } = context.switchToHttp().getRequest<Request>().query;
  const waitMs = wait === undefined ? 0 : typeof wait === 'string' ? parseWaitDuration(wait) : undefined;
  if (waitMs === undefined) {
    throw new BadRequestException(`wait must be ${WAIT_RULE}`);
  }
  if (!isWaitUntil(until)) {
    throw new BadRequestException(`until must be one of ${WAIT_UNTIL.join(', ')}`);
  }
  return { waitMs, until };
});
