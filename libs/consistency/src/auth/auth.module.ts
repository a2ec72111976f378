import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuthGuard } from './auth.guard';
import { AUTH_OPTIONS, AuthModuleOptions, ConfigurableAuthModule } from './auth.module-definition';
import { TokenVerifier } from './token-verifier';

/** Every HTTP route needs a bearer token unless it is `@Public()`; `forRoot(AuthModuleOptions)`. */
@Module({
  providers: [
    {
      provide: TokenVerifier,
      inject: [AUTH_OPTIONS],
      useFactory: (options: AuthModuleOptions) => new TokenVerifier(options),
    },
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [TokenVerifier],
})
export class AuthModule extends ConfigurableAuthModule {}
