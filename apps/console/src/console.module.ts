import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { TokenVerifier } from '@app/consistency';
import { ConsoleAuthGuard } from './auth/console-auth.guard';
import { ConsoleErrorsFilter } from './auth/console-errors.filter';
import { LoginHttpController } from './auth/login.http.controller';
import { CsrfTokens } from './auth/session';
import { CONSOLE_CONFIG, ConsoleConfig } from './console.config';
import { ConsoleDatabases } from './databases/console-databases';
import { DeadLettersHttpController } from './dead-letters/dead-letters.http.controller';
import { DeadLettersService } from './dead-letters/dead-letters.service';
import { EventIndex } from './events/event-index';
import { KafkaClients } from './events/kafka-clients';
import { HealthHttpController } from './health/health.http.controller';
import { InvariantWatch } from './overview/invariant-watch';
import { MetricsHistory } from './overview/metrics-history';
import { OverviewHttpController } from './overview/overview.http.controller';
import { OverviewService } from './overview/overview.service';
import { SearchHttpController } from './search/search.http.controller';
import { SearchService } from './search/search.service';
import { TimelineHttpController } from './timeline/timeline.http.controller';
import { TimelineService } from './timeline/timeline.service';
import { AssetsHttpController } from './views/assets.http.controller';

const httpControllers = [
  LoginHttpController,
  HealthHttpController,
  AssetsHttpController,
  SearchHttpController,
  TimelineHttpController,
  DeadLettersHttpController,
  OverviewHttpController,
];

/** The console's one wiring module: its configuration, connections, access control and pages. */
@Module({})
export class ConsoleModule {
  static forRoot(config: ConsoleConfig): DynamicModule {
    return {
      module: ConsoleModule,
      controllers: httpControllers,
      providers: [
        { provide: CONSOLE_CONFIG, useValue: config },
        { provide: TokenVerifier, useFactory: () => new TokenVerifier(config.auth) },
        CsrfTokens,
        ConsoleDatabases,
        EventIndex,
        KafkaClients,
        DeadLettersService,
        OverviewService,
        MetricsHistory,
        InvariantWatch,
        TimelineService,
        SearchService,
        { provide: APP_GUARD, useClass: ConsoleAuthGuard },
        { provide: APP_FILTER, useClass: ConsoleErrorsFilter },
      ],
    };
  }
}
