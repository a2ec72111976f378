import { Counter, Registry } from 'prom-client';

/** Prometheus view of the consumer: outcomes per topic (dead letters included) and retries. */
export class ConsumerMetrics {
  readonly messages: Counter<'topic' | 'outcome'>;
  readonly retries: Counter<'topic'>;

  constructor(registry: Registry) {
    this.messages = new Counter({
      name: 'consumer_messages_total',
      help: 'Messages consumed, by outcome: processed, duplicate, ignored, dead-lettered',
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
