import { ConfigurableModuleBuilder } from '@nestjs/common';
import { IdempotencyOptions } from './idempotency.options';

export const { ConfigurableModuleClass: ConfigurableIdempotencyModule, MODULE_OPTIONS_TOKEN: IDEMPOTENCY_OPTIONS } =
  new ConfigurableModuleBuilder<IdempotencyOptions>().setClassMethodName('forRoot').build();
