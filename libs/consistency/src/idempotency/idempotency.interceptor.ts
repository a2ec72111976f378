import {
  BadRequestException,
  CallHandler,
  ConflictException,
  ExecutionContext,
  Inject,
  Injectable,
  NestInterceptor,
  UnauthorizedException,
  UnprocessableEntityException,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { from, lastValueFrom, Observable } from 'rxjs';
import { principalOf } from '../auth/request-principal';
import { IDEMPOTENCY_OPTIONS } from './idempotency.module-definition';
import type { IdempotencyOptions } from './idempotency.options';
import { FaultInjector } from '../faults/fault-points';
import { TransactionHost } from '../transaction/transaction-host';
import { IDEMPOTENCY_KEY_RULE, parseIdempotencyKey } from './idempotency-key';
import { REQUEST_ID_HEADER } from '../platform/request-context';
import { IdempotencyMetrics } from './idempotency.metrics';
import { requestFingerprint } from './request-fingerprint';

export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';

/** Response headers a replay restores along with the status and body. */
export const REPLAYED_HEADERS = ['content-type', 'content-location', 'location', 'etag'] as const;

type StoredHeaders = Partial<Record<(typeof REPLAYED_HEADERS)[number], string | string[]>>;

interface StoredResponse {
  fingerprint: string;
  response_status: number;
  response_body: unknown;
  response_headers: StoredHeaders;
}

/**
 * Idempotency-Key for write endpoints (IETF draft semantics): the key row is written in the same
 * transaction as the business write and its outbox rows; a concurrent request with the key gets
 * 409 (transaction-scoped advisory lock), a later one the stored response, a different payload 422.
 * Keys are scoped by the authenticated principal, so nobody can use, block or replay another's key.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly transactions: TransactionHost,
    private readonly faults: FaultInjector,
    @Inject(IDEMPOTENCY_OPTIONS) private readonly options: IdempotencyOptions,
    private readonly metrics: IdempotencyMetrics,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<Request>();
    const response = context.switchToHttp().getResponse<Response>();
    const client = principalOf(request)?.sub;
    if (client === undefined) {
      throw new UnauthorizedException('an idempotent request needs a bearer token: keys are scoped per principal');
    }
    const header =
      request.header(IDEMPOTENCY_KEY_HEADER) ??
      (this.options.keyFromRequestId ? request.header(REQUEST_ID_HEADER) : undefined);
    if (header === undefined || header === '') {
      throw new BadRequestException('the Idempotency-Key header is required for this request');
    }
    const key = parseIdempotencyKey(header);
    if (key === undefined) {
      throw new BadRequestException(`the Idempotency-Key header must be ${IDEMPOTENCY_KEY_RULE}`);
    }
    const fingerprint = requestFingerprint(request.method, request.path, request.body);

    return from(
      this.transactions.run(async () => {
        const manager = this.transactions.manager;
        const [{ locked }] = await manager.query<Array<{ locked: boolean }>>(
          'SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0)) AS locked',
          [JSON.stringify(['idempotency', client, key])],
        );
        if (!locked) {
          this.metrics.outcome('in-flight');
          throw new ConflictException('a request with this Idempotency-Key is still in flight; retry later');
        }
        await this.faults.hit('idempotency.after-key-locked');
        // A statement of its own, after the lock: its snapshot then includes the row a request that
        // held the lock until just now committed. Read in the locking statement, that row could be
        // missed (the snapshot predates the lock) and the order placed twice.
        const [stored] = await manager.query<StoredResponse[]>(
          `SELECT fingerprint, response_status, response_body, response_headers FROM idempotency_keys
           WHERE client_id = $1 AND key = $2 AND expires_at > now()`,
          [client, key],
        );
        if (stored) {
          if (stored.fingerprint !== fingerprint) {
            this.metrics.outcome('mismatch');
            throw new UnprocessableEntityException(
              'this Idempotency-Key was already used with a different request; use a new key',
            );
          }
          for (const [name, value] of Object.entries(stored.response_headers)) {
            response.setHeader(name, value);
          }
          response.status(stored.response_status).setHeader('Idempotent-Replayed', 'true');
          this.transactions.afterCommit(() => this.metrics.outcome('replayed'));
          return stored.response_body;
        }
        const body: unknown = await lastValueFrom(next.handle(), { defaultValue: undefined });
        await manager.query(
          `INSERT INTO idempotency_keys
             (client_id, key, fingerprint, response_status, response_body, response_headers, expires_at)
           VALUES ($1, $2, $3, $4, $5, $6, now() + make_interval(secs => $7))
           ON CONFLICT (client_id, key) DO UPDATE
             SET fingerprint = EXCLUDED.fingerprint, response_status = EXCLUDED.response_status,
                 response_body = EXCLUDED.response_body, response_headers = EXCLUDED.response_headers,
                 created_at = now(), expires_at = EXCLUDED.expires_at
             WHERE idempotency_keys.expires_at <= now()`,
          [
            client,
            key,
            fingerprint,
            response.statusCode,
            JSON.stringify(body ?? null),
            JSON.stringify(replayedHeaders(response)),
            this.options.ttlSeconds,
          ],
        );
        // Counted once committed: a request whose transaction fails was not new after all.
        this.transactions.afterCommit(() => this.metrics.outcome('new'));
        return body;
      }),
    );
  }
}

/**
 * The first response's headers that a replay must repeat. Content-Type is here only when the handler
 * set it; otherwise Express derives it from the body, which a replay returns unchanged.
 */
function replayedHeaders(response: Response): StoredHeaders {
  const headers: StoredHeaders = {};
  for (const name of REPLAYED_HEADERS) {
    const value = response.getHeader(name);
    if (value !== undefined) {
      headers[name] = Array.isArray(value) ? value : String(value);
    }
  }
  return headers;
}
