import { BadRequestException } from '@nestjs/common';
import type { Selection } from './dead-letters.service';

const POSITION = /^\d{1,6}@\d{1,19}$/;
const MAX_POSITIONS = 1000;
const MAX_REASON = 100;

/**
 * The selection of a form or a JSON body, in one shape: `select` is `positions` (with one or more
 * `position`), `reason` (with `reason`) or `all`. Anything else is a 400.
 */
export function selectionOf(body: unknown): Selection {
  const { select, position, reason } = (typeof body === 'object' && body !== null ? body : {}) as Record<
    string,
    unknown
  >;
  if (select === 'all') {
    return { all: true };
  }
  if (select === 'reason') {
    if (typeof reason !== 'string' || reason.length === 0 || reason.length > MAX_REASON) {
      throw new BadRequestException('select=reason needs a reason');
    }
    return { reason };
  }
  if (select === 'positions') {
    const positions: unknown[] = Array.isArray(position) ? position : position === undefined ? [] : [position];
    if (
      positions.length === 0 ||
      positions.length > MAX_POSITIONS ||
      !positions.every((each): each is string => typeof each === 'string' && POSITION.test(each))
    ) {
      throw new BadRequestException(`select=positions needs 1 to ${MAX_POSITIONS} positions as partition@offset`);
    }
    return { positions: [...new Set(positions)] };
  }
  throw new BadRequestException('select must be positions, reason or all');
}

/** The digest a replay presents: the one its dry run showed. */
export function digestOf(body: unknown): string {
  const { digest } = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  if (typeof digest !== 'string' || !/^[\w-]{22}$/.test(digest)) {
    throw new BadRequestException('a replay needs the digest of its dry run (run the dry run first)');
  }
  return digest;
}
