import {
  BadRequestException,
  CallHandler,
  ConflictException,
  ExecutionContext,
  HttpStatus,
  Inject,
  Injectable,
  NestInterceptor,
  UnprocessableEntityException,
} from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { from, lastValueFrom, Observable } from 'rxjs';
import type { ServiceConfig } from '../config/service-config';
import { SERVICE_CONFIG } from '../consistency.tokens';
import { FaultInjector } from '../faults/fault-points';
import { TransactionHost } from '../transaction/transaction-host';
import { IDEMPOTENT_OPTIONS, IdempotentOptions } from './idempotent.decorator';
import { requestFingerprint } from './request-fingerprint';

export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
const KEY_PATTERN = /^[A-Za-z0-9._:-]{1,255}$/;

interface StoredResponse {
  fingerprint: string;
  response_status: number;
  response_body: unknown;
}

/**
 * Idempotency-Key for write endpoints (IETF draft semantics): the key row is written in the same
 * transaction as the business write and its outbox rows; a concurrent request with the key gets
 * 409 (transaction-scoped advisory lock), a later one the stored response, a different payload 422.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly transactions: TransactionHost,
    private readonly reflector: Reflector,
    private readonly faults: FaultInjector,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<Request>();
    const response = context.switchToHttp().getResponse<Response>();
    const key = request.header(IDEMPOTENCY_KEY_HEADER);
    if (key === undefined || key === '') {
      throw new BadRequestException('the Idempotency-Key header is required for this request');
    }
    if (!KEY_PATTERN.test(key)) {
      throw new BadRequestException(
        'the Idempotency-Key header must be 1 to 255 characters of letters, digits, ".", "_", ":" or "-"',
      );
    }
    const options = this.reflector.get<IdempotentOptions | undefined>(IDEMPOTENT_OPTIONS, context.getHandler());
    const client = options?.client?.(request) || 'anonymous';
    const fingerprint = requestFingerprint(request.method, request.path, request.body);
    const status =
      this.reflector.get<number | undefined>(HTTP_CODE_METADATA, context.getHandler()) ??
      (request.method === 'POST' ? HttpStatus.CREATED : HttpStatus.OK);

    return from(
      this.transactions.run(async () => {
        const manager = this.transactions.manager;
        const [{ locked }] = await manager.query<Array<{ locked: boolean }>>(
          'SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0)) AS locked',
          [JSON.stringify(['idempotency', client, key])],
        );
        if (!locked) {
          throw new ConflictException('a request with this Idempotency-Key is still in flight; retry later');
        }
        await this.faults.hit('idempotency.after-key-locked');
        const [stored] = await manager.query<StoredResponse[]>(
          `SELECT fingerprint, response_status, response_body FROM idempotency_keys
           WHERE client_id = $1 AND key = $2 AND expires_at > now()`,
          [client, key],
        );
        if (stored) {
          if (stored.fingerprint !== fingerprint) {
            throw new UnprocessableEntityException(
              'this Idempotency-Key was already used with a different request; use a new key',
            );
          }
          response.status(stored.response_status).setHeader('Idempotent-Replayed', 'true');
          return stored.response_body;
        }
        const body: unknown = await lastValueFrom(next.handle(), { defaultValue: undefined });
        await manager.query(
          `INSERT INTO idempotency_keys (client_id, key, fingerprint, response_status, response_body, expires_at)
           VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6))
           ON CONFLICT (client_id, key) DO UPDATE
             SET fingerprint = EXCLUDED.fingerprint, response_status = EXCLUDED.response_status,
                 response_body = EXCLUDED.response_body, created_at = now(), expires_at = EXCLUDED.expires_at
             WHERE idempotency_keys.expires_at <= now()`,
          [client, key, fingerprint, status, JSON.stringify(body ?? null), this.config.idempotency.ttlSeconds],
        );
        return body;
      }),
    );
  }
}
