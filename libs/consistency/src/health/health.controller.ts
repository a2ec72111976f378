import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { Public } from '../auth/public.decorator';
import { ConsumerState } from '../messaging/consumer-state';
import { KafkaHealthIndicator } from './kafka.health';

/** Readiness: 200 when the database and the broker answer and the consumer has not crashed; 503 otherwise. */
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly kafka: KafkaHealthIndicator,
    private readonly consumer: ConsumerState,
    private readonly indicators: HealthIndicatorService,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([
      () => this.database.pingCheck('database', { timeout: 3000 }),
      () => this.kafka.isHealthy('kafka'),
      () => {
        const indicator = this.indicators.check('consumer');
        const problem = this.consumer.problem;
        return problem ? indicator.down({ message: problem }) : indicator.up();
      },
    ]);
  }
}
