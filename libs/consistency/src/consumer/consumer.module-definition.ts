import { ConfigurableModuleBuilder } from '@nestjs/common';
import { ConsumerOptions } from './consumer.options';

export interface ConsumerModuleOptions extends ConsumerOptions {
  /** Largest message the event contract allows (OUTBOX_MAX_MESSAGE_BYTES); anything bigger is poison. */
  maxMessageBytes: number;
}

export const { ConfigurableModuleClass: ConfigurableConsumerModule, MODULE_OPTIONS_TOKEN: CONSUMER_OPTIONS } =
  new ConfigurableModuleBuilder<ConsumerModuleOptions>().setClassMethodName('forRoot').build();
