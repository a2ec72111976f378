import { Module } from '@nestjs/common';
import { CreateInbox1764000000003 } from '../inbox/inbox.migration';
import { ConfigurableConsumerModule, CONSUMER_OPTIONS } from './consumer.module-definition';
import { ConsumerState } from './consumer-state';
import { CreateSkippedMessages1764000000030 } from './skipped-messages.migration';

export const CONSUMER_MIGRATIONS = [CreateInbox1764000000003, CreateSkippedMessages1764000000030];

/**
 * What the service's Kafka consumer (`connectConsumer`) stands on: its options and the state
 * `/health` reads; `forRoot(ConsumerModuleOptions)`. It handles each message in a transaction and
 * writes dead letters through the outbox, so the app must have OutboxModule as well.
 */
@Module({
  providers: [{ provide: ConsumerState, useValue: new ConsumerState() }],
  exports: [ConsumerState, CONSUMER_OPTIONS],
})
export class ConsumerModule extends ConfigurableConsumerModule {}
