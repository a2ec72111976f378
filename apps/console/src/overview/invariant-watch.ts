import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { checkInvariants, Violation } from '@app/ops';
import { CONSOLE_CONFIG } from '../console.config';
import type { ConsoleConfig } from '../console.config';
import { ConsoleDatabases } from '../databases/console-databases';

const CHECK_INTERVAL_MS = 30_000;
const WINDOW_HOURS = 1;

export interface InvariantResult {
  checkedAt: string;
  /** The orders checked: created in the last hour, and long enough ago to have settled. */
  orders: number;
  violations: Violation[];
  error?: string;
}

/**
 * Runs the invariant checker (the one `npm run check:invariants` runs) every half minute over the
 * last hour's orders, leaving out those young enough to be still in flight.
 */
@Injectable()
export class InvariantWatch implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly log = new Logger(InvariantWatch.name);
  private latest?: InvariantResult;
  private timer?: NodeJS.Timeout;
  private running?: Promise<InvariantResult>;

  constructor(
    @Inject(CONSOLE_CONFIG) private readonly config: ConsoleConfig,
    private readonly databases: ConsoleDatabases,
  ) {}

  onApplicationBootstrap(): void {
    void this.check();
    this.timer = setInterval(() => void this.check(), CHECK_INTERVAL_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  result(): InvariantResult | undefined {
    return this.latest;
  }

  /** Checks now (or joins the check already running). */
  check(): Promise<InvariantResult> {
    this.running ??= this.run().finally(() => (this.running = undefined));
    return this.running;
  }

  private async run(): Promise<InvariantResult> {
    const checkedAt = new Date().toISOString();
    try {
      const orders = await this.databases.read<{ id: string }>(
        'order',
        `SELECT id FROM orders
         WHERE created_at >= now() - make_interval(hours => $1) AND created_at < now() - make_interval(secs => $2)`,
        [WINDOW_HOURS, this.config.invariantSettleSeconds],
      );
      const violations = await checkInvariants(this.config.readUrls, { orderIds: orders.map((order) => order.id) });
      this.latest = { checkedAt, orders: orders.length, violations };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.log.warn(`invariant check failed: ${message}`);
      this.latest = { checkedAt, orders: 0, violations: [], error: message };
    }
    return this.latest;
  }
}
