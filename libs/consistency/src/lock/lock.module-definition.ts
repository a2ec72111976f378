import { ConfigurableModuleBuilder } from '@nestjs/common';
import { LockOptions } from './lock.options';

export const { ConfigurableModuleClass: ConfigurableLockModule, MODULE_OPTIONS_TOKEN: LOCK_OPTIONS } =
  new ConfigurableModuleBuilder<LockOptions>().setClassMethodName('forRoot').build();
