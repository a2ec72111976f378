import { Controller, Get, Inject, Optional } from '@nestjs/common';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorResult,
  HealthIndicatorService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import { Public } from '../../auth/public.decorator';
import { HEALTH_OPTIONS } from './health.options';
import type { HealthOptions } from './health.options';
import { ConsumerState } from '../../consumer/consumer-state';
import { OutboxRelayHost } from '../../outbox/outbox-relay.host';
import { EventLoopMonitor } from './event-loop.monitor';
import { KafkaHealthIndicator } from './kafka.health';
import { Readiness } from './readiness';
import { ServiceLifecycle } from './service-lifecycle';

/**
 * Three questions an orchestrator asks: is everything working (`/health`, components named), may
 * this instance take traffic (`/health/ready`: its database answers and it is migrated — the broker
 * is not needed, writes go to the outbox), and must it be restarted (`/health/live`).
 */
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly kafka: KafkaHealthIndicator,
    // A service that consumes nothing has no consumer to report on.
    @Optional() @Inject(ConsumerState) private readonly consumer: ConsumerState | undefined,
    private readonly relay: OutboxRelayHost,
    private readonly lifecycle: ServiceLifecycle,
    private readonly readiness: Readiness,
    private readonly eventLoop: EventLoopMonitor,
    private readonly indicators: HealthIndicatorService,
    @Inject(HEALTH_OPTIONS) private readonly options: HealthOptions,
  ) {}

  /** 200 only when the database, the broker, the consumer group and the relay all work. */
  @Get()
  @HealthCheck()
  check() {
    return this.health.check([
      () => this.database.pingCheck('database', { timeout: 3000 }),
      () => this.kafka.isHealthy('kafka'),
      () => this.component('consumer', this.consumer?.problem),
      () =>
        this.component('relay', this.options.relayEnabled ? this.relay.relay.problem : undefined, {
          enabled: this.options.relayEnabled,
        }),
    ]);
  }

  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([
      () => this.component('lifecycle', this.lifecycle.notReadyBecause),
      () => this.readiness.recentDatabasePing(),
    ]);
  }

  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([
      () => this.component('consumer', this.consumer?.wedged(this.options.restartWindowMs)),
      () => this.component('eventLoop', this.eventLoop.stalled(this.options.eventLoopMaxDelayMs)),
    ]);
  }

  private component(
    key: string,
    problem: string | undefined,
    details: Record<string, unknown> = {},
  ): HealthIndicatorResult {
    const indicator = this.indicators.check(key);
    return problem ? indicator.down({ message: problem, ...details }) : indicator.up(details);
  }
}
