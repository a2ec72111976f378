import { Module } from '@nestjs/common';
import { TransactionModule } from '../transaction/transaction.module';
import { ParkOutboxRows1764000000031 } from './outbox-parking.migration';
import { OutboxRelayHost } from './outbox-relay.host';
import { OutboxSignal } from './outbox-signal';
import { CreateOutbox1764000000001 } from './outbox.migration';
import { ConfigurableOutboxModule } from './outbox.module-definition';
import { OutboxService } from './outbox.service';
import { OUTBOX_SIGNAL } from './outbox.tokens';

export const OUTBOX_MIGRATIONS = [CreateOutbox1764000000001, ParkOutboxRows1764000000031];

/** `OutboxService.enqueue` inside the caller's transaction, and the relay that publishes after commit. */
@Module({
  imports: [TransactionModule],
  providers: [{ provide: OUTBOX_SIGNAL, useValue: new OutboxSignal() }, OutboxService, OutboxRelayHost],
  exports: [OutboxService, OutboxRelayHost],
})
export class OutboxModule extends ConfigurableOutboxModule {}
