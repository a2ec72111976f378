import { Kafka, logLevel, LogEntry } from 'kafkajs';
import { Logger } from '@nestjs/common';
import { kafkaLogLevel } from './kafka-log';

export interface KafkaConnectionOptions {
  clientId: string;
  brokers: string[];
}

/**
 * kafkajs logs through Nest's logger so its lines land in the same structured output, with the
 * conditions that recover by themselves lowered from error (kafka-log.ts).
 */
function nestLogCreator() {
  return () =>
    ({ namespace, level, log }: LogEntry) => {
      const { message, ...extra } = log;
      const logger = new Logger(`kafkajs:${namespace}`);
      logger[kafkaLogLevel(level, message, extra.error)]({ msg: message, ...extra });
    };
}

export function createKafka(options: KafkaConnectionOptions): Kafka {
  return new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    logLevel: logLevel.WARN,
    logCreator: nestLogCreator(),
    retry: { initialRetryTime: 100, retries: 8 },
  });
}
