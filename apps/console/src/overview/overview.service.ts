import { Inject, Injectable } from '@nestjs/common';
import { consumerGroupId } from '@app/consistency';
import { consumerLagByPartition, PartitionLag } from '@app/ops';
import { CONSOLE_CONFIG, SAGA_SERVICES } from '../console.config';
import type { ConsoleConfig, SagaService } from '../console.config';
import { ConsoleDatabases } from '../databases/console-databases';
import { EVENT_INDEX_GROUP } from '../events/event-index';
import { KafkaClients } from '../events/kafka-clients';

export interface InFlight {
  byState: Array<{ status: string; count: number; oldestSeconds: number; buckets: Record<AgeBucket, number> }>;
  oldest: Array<{ orderId: string; status: string; ageSeconds: number; deadlineAt: string }>;
}

export type AgeBucket = '< 10 s' | '10 s – 1 min' | '1 – 10 min' | '> 10 min';

export interface LaneBacklog {
  service: SagaService;
  lane: number;
  pending: number;
  parked: number;
  oldestPendingSeconds: number | null;
}

export interface PartitionLagView extends PartitionLag {
  /** Lag, and the committed offset has not moved for `stallAfterSeconds`. */
  stalled: boolean;
  unmovedSeconds: number;
}

export interface Overview {
  inFlight: InFlight;
  outbox: LaneBacklog[];
  lag: PartitionLagView[];
  /** Why a part could not be read (the broker or a database away); the rest is still shown. */
  problems: string[];
}

/** The state of the suite at a glance: sagas in flight, outbox backlog per lane, consumer lag per partition. */
@Injectable()
export class OverviewService {
  /** When each group's committed offset on each partition last moved. */
  private readonly lastMoved = new Map<string, { committed: number; since: number }>();

  constructor(
    private readonly databases: ConsoleDatabases,
    private readonly kafka: KafkaClients,
    @Inject(CONSOLE_CONFIG) private readonly config: ConsoleConfig,
  ) {}

  async overview(): Promise<Overview> {
    const problems: string[] = [];
    const settle =
      <T>(what: string, fallback: T) =>
      (error: unknown) => {
        problems.push(`${what}: ${error instanceof Error ? error.message : String(error)}`);
        return fallback;
      };
    const [inFlight, outbox, lag] = await Promise.all([
      this.inFlight().catch(settle<InFlight>('sagas in flight', { byState: [], oldest: [] })),
      Promise.all(
        SAGA_SERVICES.map((service) => this.outbox(service).catch(settle<LaneBacklog[]>(`${service} outbox`, []))),
      ).then((lanes) => lanes.flat()),
      this.lag().catch(settle<PartitionLagView[]>('consumer lag', [])),
    ]);
    return { inFlight, outbox, lag, problems };
  }

  private async inFlight(): Promise<InFlight> {
    const rows = await this.databases.read<{ status: string; age: number; deadline: Date; id: string }>(
      'order',
      `SELECT id, status, extract(epoch FROM now() - created_at)::float8 AS age, step_deadline_at AS deadline
       FROM orders WHERE status NOT IN ('COMPLETED', 'CANCELLED') ORDER BY created_at`,
    );
    const bucketOf = (age: number): AgeBucket =>
      age < 10 ? '< 10 s' : age < 60 ? '10 s – 1 min' : age < 600 ? '1 – 10 min' : '> 10 min';
    const byState = new Map<string, InFlight['byState'][number]>();
    for (const row of rows) {
      const state = byState.get(row.status) ?? {
        status: row.status,
        count: 0,
        oldestSeconds: 0,
        buckets: { '< 10 s': 0, '10 s – 1 min': 0, '1 – 10 min': 0, '> 10 min': 0 },
      };
      state.count += 1;
      state.oldestSeconds = Math.max(state.oldestSeconds, row.age);
      state.buckets[bucketOf(row.age)] += 1;
      byState.set(row.status, state);
    }
    return {
      byState: [...byState.values()],
      oldest: rows.slice(0, 20).map((row) => ({
        orderId: row.id,
        status: row.status,
        ageSeconds: row.age,
        deadlineAt: row.deadline.toISOString(),
      })),
    };
  }

  private async outbox(service: SagaService): Promise<LaneBacklog[]> {
    const rows = await this.databases.read<{ lane: number; pending: number; parked: number; oldest: number | null }>(
      service,
      `SELECT lane, count(*) FILTER (WHERE status = 'PENDING')::int AS pending,
              count(*) FILTER (WHERE status = 'PARKED')::int AS parked,
              extract(epoch FROM clock_timestamp() - min(created_at) FILTER (WHERE status = 'PENDING'))::float8 AS oldest
       FROM outbox WHERE status IN ('PENDING', 'PARKED') GROUP BY lane ORDER BY lane`,
    );
    return rows.map((row) => ({
      service,
      lane: row.lane,
      pending: row.pending,
      parked: row.parked,
      oldestPendingSeconds: row.oldest,
    }));
  }

  private async lag(): Promise<PartitionLagView[]> {
    const admin = await this.kafka.connectedAdmin();
    const groups = [...SAGA_SERVICES.map((service) => consumerGroupId(service)), EVENT_INDEX_GROUP];
    const lags = (await Promise.all(groups.map((group) => consumerLagByPartition(admin, group)))).flat();
    const now = Date.now();
    return lags.map((lag) => {
      const key = `${lag.groupId}/${lag.topic}/${lag.partition}`;
      const seen = this.lastMoved.get(key);
      if (!seen || seen.committed !== lag.committed || lag.lag === 0) {
        this.lastMoved.set(key, { committed: lag.committed, since: now });
      }
      const unmovedSeconds = (now - (this.lastMoved.get(key)?.since ?? now)) / 1000;
      return { ...lag, unmovedSeconds, stalled: lag.lag > 0 && unmovedSeconds >= this.config.stallAfterSeconds };
    });
  }
}
