import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { TokenVerifier } from '@app/consistency';
import { ConsoleAuthGuard } from './auth/console-auth.guard';
import { ConsoleErrorsFilter } from './auth/console-errors.filter';
import { LoginHttpController } from './auth/login.http.controller';
import { CsrfTokens } from './auth/session';
import { CONSOLE_CONFIG, ConsoleConfig } from './console.config';
import { ConsoleDatabases } from './databases/console-databases';
import { HealthHttpController } from './health/health.http.controller';
import { AssetsHttpController } from './views/assets.http.controller';

const httpControllers = [LoginHttpController, HealthHttpController, AssetsHttpController];

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
        { provide: APP_GUARD, useClass: ConsoleAuthGuard },
        { provide: APP_FILTER, useClass: ConsoleErrorsFilter },
      ],
    };
  }
}
