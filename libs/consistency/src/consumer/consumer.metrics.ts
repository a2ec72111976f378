import { Counter, Gauge, Registry } from 'prom-client';
import { ConsumerState } from './consumer-state';

/** Prometheus view of the consumer: outcomes per topic (dead letters included), retries, stalls. */
export class ConsumerMetrics {
  readonly messages: Counter<'topic' | 'outcome'>;
  readonly retries: Counter<'topic'>;

  constructor(registry: Registry, state: ConsumerState) {
    new Gauge({
      name: 'consumer_partition_stalled_seconds',
      help: 'How long a partition has not moved while messages wait behind its head (absent when it moves)',
      labelNames: ['topic', 'partition'],
      registers: [registry],
      collect() {
        this.reset();
        for (const { topic, partition, stalledForMs } of state.stalled) {
          this.set({ topic, partition: String(partition) }, stalledForMs / 1000);
        }
      },
    });
    this.messages = new Counter({
      name: 'consumer_messages_total',
      help: 'Messages consumed, by outcome: processed, duplicate, ignored, dead-lettered, skipped (not even dead-letterable)',
      labelNames: ['topic', 'outcome'],
      registers: [registry],
    });
    this.retries = new Counter({
      name: 'consumer_retries_total',
      help: 'Handler attempts that failed and were retried',
      labelNames: ['topic'],
      registers: [registry],
    });
  }
}
