import { ConfigurableModuleBuilder } from '@nestjs/common';
import { AuthOptions } from './auth.options';

export interface AuthModuleOptions extends AuthOptions {
  /** Named in the `WWW-Authenticate` challenge: the service's name. */
  realm: string;
}

export const { ConfigurableModuleClass: ConfigurableAuthModule, MODULE_OPTIONS_TOKEN: AUTH_OPTIONS } =
  new ConfigurableModuleBuilder<AuthModuleOptions>().setClassMethodName('forRoot').build();
