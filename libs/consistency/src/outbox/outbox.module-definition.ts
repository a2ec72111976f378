import { ConfigurableModuleBuilder } from '@nestjs/common';
import { OutboxOptions } from './outbox.options';

export const { ConfigurableModuleClass: ConfigurableOutboxModule, MODULE_OPTIONS_TOKEN: OUTBOX_OPTIONS } =
  new ConfigurableModuleBuilder<OutboxOptions>().setClassMethodName('forRoot').build();
