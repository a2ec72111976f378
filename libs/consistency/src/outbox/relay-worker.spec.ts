import { Kafka, KafkaJSConnectionError, KafkaJSProtocolError, Message, ProducerBatch } from 'kafkajs';
import { PendingOutboxRow } from './outbox-message';
import { BATCH_HEADER_BYTES, recordBytes } from './produce-requests';
import { RelayWorker } from './relay-worker';

const MAX_RECORD = 1000;

/**
 * A stand-in broker: refuses a request holding a value over MAX_RECORD bytes (as Kafka refuses a
 * batch over max.message.bytes), is unreachable from its `downFromRequest`-th request on, and
 * appends the other requests whole.
 */
class FakeBroker {
  downFromRequest = Infinity;
  attempts = 0;
  producersCreated = 0;
  readonly requests: Message[][] = [];
  readonly log: Message[] = [];

  kafka(): Kafka {
    return {
      producer: () => {
        this.producersCreated += 1;
        return {
          connect: () => Promise.resolve(),
          disconnect: () => Promise.resolve(),
          sendBatch: (batch: ProducerBatch) => this.sendBatch(batch),
        };
      },
    } as unknown as Kafka;
  }

  private sendBatch({ topicMessages = [] }: ProducerBatch): Promise<void> {
    this.attempts += 1;
    if (this.attempts >= this.downFromRequest) {
      return Promise.reject(new KafkaJSConnectionError('Connection error: connect ECONNREFUSED'));
    }
    const messages = topicMessages.flatMap((topic) => topic.messages);
    this.requests.push(messages);
    if (messages.some((message) => String(message.value).length > MAX_RECORD)) {
      return Promise.reject(
        new KafkaJSProtocolError({
          message: 'The request included a message larger than the max message size the server will accept',
          type: 'MESSAGE_TOO_LARGE',
          code: 10,
          retriable: false,
        } as never),
      );
    }
    this.log.push(...messages);
    return Promise.resolve();
  }
}

let nextId = 1;
function row(key: string, valueBytes = 100, rejections = 0): PendingOutboxRow {
  const id = String(nextId++).padStart(6, '0');
  return {
    id,
    eventId: `event-${id}`,
    eventType: 'widget.created',
    topic: 'widgets',
    key,
    value: 'v'.repeat(valueBytes),
    headers: { 'event-id': `event-${id}` },
    createdAtMs: Date.now(),
    rejections,
  };
}

const ids = (rows: PendingOutboxRow[]) => rows.map((r) => r.id);
const logged = (broker: FakeBroker) => broker.log.map((message) => message.headers?.['event-id']);

describe('RelayWorker.send', () => {
  it('when rows exceed the request cap, then they go in several requests, each within it, all in order', async () => {
    const broker = new FakeBroker();
    const rows = Array.from({ length: 12 }, (_, i) => row(`k${i % 3}`, 900));
    const cap = BATCH_HEADER_BYTES + 4 * recordBytes(rows[0]);
    const report = await new RelayWorker(broker.kafka(), cap).send(rows);
    expect(ids(report.published)).toEqual(ids(rows));
    expect(broker.requests.map((request) => request.length)).toEqual([4, 4, 4]);
    expect(report.splitRequests).toBe(0);
    expect(logged(broker)).toEqual(rows.map((r) => r.eventId));
    expect(report.refused).toEqual([]);
  });

  it('when a request is refused, then its rows go one by one, the refused row holds back its key, other keys go on', async () => {
    const broker = new FakeBroker();
    const rows = [row('a'), row('b'), row('a', 5000), row('b'), row('a'), row('c')];
    const report = await new RelayWorker(broker.kafka(), 1_000_000).send(rows);
    expect(report.refused.map(({ row: refused }) => refused.id)).toEqual([rows[2].id]);
    expect(ids(report.published)).toEqual(ids([rows[0], rows[1], rows[3], rows[5]]));
    expect(logged(broker)).toEqual([rows[0], rows[1], rows[3], rows[5]].map((r) => r.eventId));
    expect(broker.requests.map((request) => request.length)).toEqual([6, 1, 1, 1, 1, 1]);
    expect(report.splitRequests).toBe(1);
    expect(report.failed).toBeUndefined();
  });

  it('when a row was refused before, then it goes alone and never takes a full request down again', async () => {
    const broker = new FakeBroker();
    const rows = [row('a'), row('b'), row('suspect', 5000, 2), row('suspect'), row('c'), row('d')];
    const report = await new RelayWorker(broker.kafka(), 1_000_000).send(rows);
    expect(broker.requests.map((request) => request.length)).toEqual([2, 1, 2]);
    expect(report.splitRequests).toBe(0);
    expect(report.refused.map(({ row: refused }) => refused.id)).toEqual([rows[2].id]);
    expect(ids(report.published)).toEqual(ids([rows[0], rows[1], rows[4], rows[5]]));
  });

  it('when the broker cannot be reached, then the round stops: nothing is blamed, later rows are not tried', async () => {
    const broker = new FakeBroker();
    const rows = Array.from({ length: 6 }, (_, i) => row(`k${i}`, 900));
    const cap = BATCH_HEADER_BYTES + 2 * recordBytes(rows[0]);
    const worker = new RelayWorker(broker.kafka(), cap);
    broker.downFromRequest = 2;
    const report = await worker.send(rows);
    expect(ids(report.published)).toEqual(ids(rows.slice(0, 2)));
    expect(ids(report.failed?.rows ?? [])).toEqual(ids(rows.slice(2, 4)));
    expect(report.failed?.error).toBeInstanceOf(KafkaJSConnectionError);
    expect(report.refused).toEqual([]);
    expect(broker.attempts).toBe(2);
  });

  it('when a request fails, then the next one goes through a new producer (kafkajs rolled its sequences back)', async () => {
    const broker = new FakeBroker();
    const worker = new RelayWorker(broker.kafka(), 1_000_000);
    await worker.send([row('a'), row('b', 5000), row('c')]);
    expect(broker.producersCreated).toBe(1 + 2);
  });
});
