import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { Admin, Kafka, logLevel, Producer } from 'kafkajs';
import { CONSOLE_CONFIG } from '../console.config';
import type { ConsoleConfig } from '../console.config';

/** The console's Kafka: one admin client and one producer (for replays), connected on first use. */
@Injectable()
export class KafkaClients implements OnModuleDestroy {
  readonly kafka: Kafka;
  private admin?: Promise<Admin>;
  private producer?: Promise<Producer>;

  constructor(@Inject(CONSOLE_CONFIG) config: ConsoleConfig) {
    this.kafka = new Kafka({ clientId: 'console', brokers: config.kafkaBrokers, logLevel: logLevel.NOTHING });
  }

  connectedAdmin(): Promise<Admin> {
    this.admin ??= this.connect(this.kafka.admin(), () => (this.admin = undefined));
    return this.admin;
  }

  connectedProducer(): Promise<Producer> {
    this.producer ??= this.connect(this.kafka.producer({ idempotent: true }), () => (this.producer = undefined));
    return this.producer;
  }

  /** Connects `client`; a failed connection is forgotten so the next use tries again. */
  private async connect<C extends Admin | Producer>(client: C, forget: () => void): Promise<C> {
    try {
      await client.connect();
      return client;
    } catch (error) {
      forget();
      throw error;
    }
  }

  async onModuleDestroy(): Promise<void> {
    const clients = await Promise.allSettled([this.admin, this.producer].filter((client) => client !== undefined));
    await Promise.all(
      clients.map((client) => (client.status === 'fulfilled' ? client.value.disconnect() : Promise.resolve())),
    );
  }
}
