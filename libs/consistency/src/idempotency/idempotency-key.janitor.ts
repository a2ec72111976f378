import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { IDEMPOTENCY_OPTIONS } from './idempotency.module-definition';
import type { IdempotencyOptions } from './idempotency.options';

const MAX_INTERVAL_MS = 10 * 60_000;

/** Deletes expired Idempotency-Key rows on a timer (expired rows are already ignored on lookup). */
@Injectable()
export class IdempotencyKeyJanitor implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(IdempotencyKeyJanitor.name);
  private timer?: NodeJS.Timeout;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(IDEMPOTENCY_OPTIONS) private readonly options: IdempotencyOptions,
  ) {}

  onApplicationBootstrap(): void {
    const interval = Math.min(MAX_INTERVAL_MS, Math.max(1000, (this.options.ttlSeconds * 1000) / 2));
    this.timer = setInterval(() => void this.purgeExpired(), interval);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  async purgeExpired(): Promise<number> {
    try {
      const [, deleted] = await this.dataSource.query<[unknown[], number]>(
        'DELETE FROM idempotency_keys WHERE expires_at <= now()',
      );
      return deleted;
    } catch (error) {
      this.logger.warn(`purge of expired idempotency keys failed: ${(error as Error).message}`);
      return 0;
    }
  }
}
