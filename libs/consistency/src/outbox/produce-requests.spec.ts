import { OutboxMessage } from './outbox-message';
import { BATCH_HEADER_BYTES, recordBytes, takeRequest } from './produce-requests';

function message(key: string, valueBytes: number): OutboxMessage {
  return {
    eventId: `${key}-${valueBytes}`,
    eventType: 'widget.created',
    topic: 'widgets',
    key,
    value: 'v'.repeat(valueBytes),
    headers: { 'event-id': `${key}-${valueBytes}` },
  };
}

const never = () => false;

describe('recordBytes', () => {
  it('when a message has headers, then its weight counts key, value, header names and values and their framing', () => {
    const plain = message('k', 100);
    const withHeader = { ...plain, headers: { ...plain.headers, 'x-trace': 'abc' } };
    expect(recordBytes(withHeader) - recordBytes(plain)).toBe('x-trace'.length + 'abc'.length + 10);
    expect(recordBytes(plain)).toBeGreaterThan(1 + 100 + 'event-id'.length + plain.headers['event-id'].length);
  });

  it('when the value holds multi-byte characters, then bytes are counted, not characters', () => {
    const ascii = message('k', 10);
    expect(recordBytes({ ...ascii, value: 'é'.repeat(10) }) - recordBytes(ascii)).toBe(10);
  });
});

describe('takeRequest', () => {
  it('when everything fits, then one request takes every row in order', () => {
    const queue = [message('a', 100), message('b', 100), message('a', 100)];
    expect(takeRequest(queue, 10_000, never)).toEqual(queue);
  });

  it('when rows pass the cap, then the request is the longest prefix within it, batch header included', () => {
    const queue = Array.from({ length: 10 }, (_, i) => message(`k${i}`, 1000));
    const cap = BATCH_HEADER_BYTES + 3 * recordBytes(queue[0]);
    expect(takeRequest(queue, cap, never)).toEqual(queue.slice(0, 3));
    expect(takeRequest(queue, cap - 1, never)).toEqual(queue.slice(0, 2));
  });

  it('when the requests taken one after the other are put together, then they are the queue in its order', () => {
    const sizes = [900, 10, 500, 480, 20, 999, 1, 700, 300, 300];
    let queue = sizes.map((size, i) => message(`k${i % 3}`, size));
    const original = queue;
    const requests: OutboxMessage[][] = [];
    while (queue.length > 0) {
      const request = takeRequest(queue, 1200, never);
      requests.push(request);
      queue = queue.slice(request.length);
    }
    expect(requests.flat()).toEqual(original);
    for (const request of requests.filter((r) => r.length > 1)) {
      const bytes = BATCH_HEADER_BYTES + request.reduce((sum, row) => sum + recordBytes(row), 0);
      expect(bytes).toBeLessThanOrEqual(1200);
    }
  });

  it('when the first row alone is bigger than the cap, then it goes alone rather than never', () => {
    const queue = [message('big', 5000), message('small', 10)];
    expect(takeRequest(queue, 1000, never)).toEqual([queue[0]]);
  });

  it('when a row must go alone, then it is a request of its own and the request before it stops short of it', () => {
    const queue = [message('a', 10), message('b', 10), message('suspect', 10), message('c', 10)];
    const alone = (row: OutboxMessage) => row.key === 'suspect';
    expect(takeRequest(queue, 10_000, alone)).toEqual(queue.slice(0, 2));
    expect(takeRequest(queue.slice(2), 10_000, alone)).toEqual([queue[2]]);
    expect(takeRequest(queue.slice(3), 10_000, alone)).toEqual([queue[3]]);
  });

  it('when the queue is empty, then the request is empty', () => {
    expect(takeRequest([], 1000, never)).toEqual([]);
  });
});
