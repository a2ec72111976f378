import {
  KafkaJSConnectionError,
  KafkaJSNonRetriableError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
  KafkaJSRequestTimeoutError,
} from 'kafkajs';
import { PendingOutboxRow } from './outbox-message';
import { isBrokerRefusal, rejectionOf } from './parking';

/** The error kafkajs raises for a partition error code, as its protocol layer builds it. */
function protocolError(type: string, code: number, retriable: boolean): KafkaJSProtocolError {
  return new KafkaJSProtocolError({ message: `broker said ${type}`, type, code, retriable } as never);
}

const row = (rejections: number): PendingOutboxRow => ({
  id: '42',
  eventId: 'e-42',
  eventType: 'widget.created',
  topic: 'widgets',
  key: 'k',
  value: '{}',
  headers: {},
  createdAtMs: Date.now(),
  rejections,
});

describe('isBrokerRefusal', () => {
  it.each([
    ['MESSAGE_TOO_LARGE', 10],
    ['RECORD_LIST_TOO_LARGE', 18],
    ['INVALID_RECORD', 87],
    ['INVALID_TOPIC_EXCEPTION', 17],
  ])('when the broker answers %s, then the message itself is refused', (type, code) => {
    expect(isBrokerRefusal(protocolError(type, code, false))).toBe(true);
  });

  it('when kafkajs wraps the refusal, then it is still found', () => {
    const refusal = protocolError('MESSAGE_TOO_LARGE', 10, false);
    // As kafkajs's retrier wraps what it gives up on.
    expect(isBrokerRefusal(Object.assign(new KafkaJSNonRetriableError(refusal), { cause: refusal }))).toBe(true);
  });

  it.each([
    ['a lost connection', new KafkaJSConnectionError('Connection error: ECONNREFUSED')],
    ['a request timeout', new KafkaJSRequestTimeoutError('Request Produce(key: 0, version: 7) timed out')],
    ['a retriable protocol error', protocolError('NOT_LEADER_FOR_PARTITION', 6, true)],
    ['a topic the broker does not know', protocolError('UNKNOWN_TOPIC_OR_PARTITION', 3, true)],
    [
      'retries exhausted on a broker that is down',
      new KafkaJSNumberOfRetriesExceeded(new KafkaJSConnectionError('Connection error: ECONNREFUSED'), {
        retryCount: 3,
        retryTime: 2000,
      }),
    ],
    ['a non-retriable producer-state error', protocolError('INVALID_PRODUCER_EPOCH', 47, false)],
    ['a fault that is not from kafkajs', new Error('MESSAGE_TOO_LARGE')],
    ['something thrown that is not an error', { type: 'MESSAGE_TOO_LARGE', retriable: false }],
  ])('when the send fails with %s, then no message is blamed', (_case, error) => {
    expect(isBrokerRefusal(error)).toBe(false);
  });
});

describe('rejectionOf', () => {
  const policy = { maxAttempts: 3, maxBackoffMs: 30_000 };
  const refusal = protocolError('MESSAGE_TOO_LARGE', 10, false);

  it('when a row is refused for the first time, then it rests and is not parked', () => {
    const rejection = rejectionOf(row(0), refusal, policy);
    expect(rejection).toMatchObject({ park: false, error: 'KafkaJSProtocolError: broker said MESSAGE_TOO_LARGE' });
    expect(rejection.retryInMs).toBeGreaterThan(0);
  });

  it('when a row reaches OUTBOX_MAX_ATTEMPTS refusals, then it is parked, not before', () => {
    expect(rejectionOf(row(1), refusal, policy).park).toBe(false);
    expect(rejectionOf(row(2), refusal, policy).park).toBe(true);
  });

  it('when one attempt is allowed, then the first refusal parks', () => {
    expect(rejectionOf(row(0), refusal, { ...policy, maxAttempts: 1 }).park).toBe(true);
  });

  it('when refusals pile up, then the rest grows and stays under the cap', () => {
    const rests = [0, 1, 2, 3, 4].map((rejections) => rejectionOf(row(rejections), refusal, policy).retryInMs);
    expect(rests[4]).toBeGreaterThan(rests[0]);
    expect(rejectionOf(row(40), refusal, { ...policy, maxBackoffMs: 5000 }).retryInMs).toBeLessThanOrEqual(5000);
  });
});
