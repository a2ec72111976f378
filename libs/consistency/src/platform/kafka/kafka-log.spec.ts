import { logLevel } from 'kafkajs';
import { kafkaLogLevel } from './kafka-log';

describe('kafkaLogLevel', () => {
  it.each([
    ["The coordinator is loading and hence can't process requests", 'debug'],
    ['The coordinator is not aware of this member', 'debug'],
    ['The group is rebalancing, so a rejoin is needed', 'debug'],
    ['Connection error: connect ECONNREFUSED 127.0.0.1:9092', 'warn'],
    ['There is no leader for this topic-partition as we are in the middle of a leadership election', 'warn'],
    ['Crash: KafkaJSNoBrokerAvailableError: No broker available', 'warn'],
    ['Restarting the consumer in 100ms', 'warn'],
  ])('lowers the expected condition "%s" to %s', (message, level) => {
    expect(kafkaLogLevel(logLevel.ERROR, message)).toBe(level);
  });

  it('reads the condition from the error a crash carries', () => {
    expect(
      kafkaLogLevel(logLevel.ERROR, 'Crash: KafkaJSConnectionError', 'Connection error: connect ECONNREFUSED'),
    ).toBe('warn');
  });

  it.each([
    'SASL PLAIN authentication failed: Authentication failed',
    'This server does not host this topic-partition',
    'Crash: KafkaJSError: handler threw',
  ])('keeps a real failure "%s" an error', (message) => {
    expect(kafkaLogLevel(logLevel.ERROR, message)).toBe('error');
  });

  it('leaves info and debug entries at their own level', () => {
    expect(kafkaLogLevel(logLevel.INFO, 'Connection error: ECONNREFUSED')).toBe('log');
    expect(kafkaLogLevel(logLevel.DEBUG, 'anything')).toBe('debug');
  });
});
