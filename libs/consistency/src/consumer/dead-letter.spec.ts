import { messageBytes } from '../outbox/outbox-message';
import { deadLetter, DeadLetterHeaders, FailedMessage } from './dead-letter';

const failure = { reason: 'poison', error: 'bad', attempts: 0, consumer: 'inventory-service' } as const;
const message = (value: string | Buffer, changes: Partial<FailedMessage> = {}): FailedMessage => ({
  topic: 'order.events',
  partition: 1,
  offset: '7',
  key: Buffer.from('k'),
  value: Buffer.from(value),
  headers: {},
  ...changes,
});

/** What PostgreSQL refuses in text and jsonb: a NUL anywhere. */
const storable = (text: string) => !text.includes('\u0000');

describe('deadLetter', () => {
  it('when the value holds NUL bytes, then it is kept as base64 and marked so', () => {
    const letter = deadLetter(message('a\u0000b'), failure, 10_000);
    expect(letter.headers[DeadLetterHeaders.valueEncoding]).toBe('base64');
    expect(Buffer.from(letter.value, 'base64').toString()).toBe('a\u0000b');
  });

  it('when the value is not UTF-8, then its exact bytes are kept as base64', () => {
    const bytes = Buffer.from([0x7b, 0xff, 0xfe, 0x7d]);
    const letter = deadLetter(message(bytes), failure, 10_000);
    expect(letter.headers[DeadLetterHeaders.valueEncoding]).toBe('base64');
    expect(Buffer.from(letter.value, 'base64')).toEqual(bytes);
  });

  it('when the error quotes NUL bytes, then the headers carry a replacement character instead', () => {
    const letter = deadLetter(message('a\u0000b'), { ...failure, error: 'bad "a\u0000b"' }, 10_000);
    expect(letter.headers[DeadLetterHeaders.error]).toBe('bad "a\uFFFDb"');
  });

  it('when the key holds a NUL byte, then the letter is keyed by its origin and the key kept as base64', () => {
    const key = Buffer.from('order\u0000id');
    const letter = deadLetter(message('{}', { key }), failure, 10_000);
    expect(letter.key).toBe('order.events-1');
    expect(Buffer.from(letter.headers[DeadLetterHeaders.originalKey], 'base64')).toEqual(key);
  });

  it('when header names or values are unsafe, then they are left out and named in a note', () => {
    const letter = deadLetter(
      message('{}', {
        headers: {
          'event-id': 'e-1',
          'bad\u0000name': 'x',
          'binary-value': Buffer.from([0, 1, 2]),
          'huge-value': 'v'.repeat(5000),
          [DeadLetterHeaders.valueEncoding]: 'base64',
        },
      }),
      failure,
      100_000,
    );
    expect(letter.headers['event-id']).toBe('e-1');
    expect(Object.keys(letter.headers).every(storable)).toBe(true);
    expect(Object.values(letter.headers).every(storable)).toBe(true);
    expect(letter.headers[DeadLetterHeaders.valueEncoding]).toBeUndefined();
    expect(letter.headers[DeadLetterHeaders.droppedHeaders]).toContain('bad\uFFFDname: unsafe name');
    expect(letter.headers[DeadLetterHeaders.droppedHeaders]).toContain('binary-value');
    expect(letter.headers[DeadLetterHeaders.droppedHeaders]).toContain('huge-value: value over 1024 bytes');
    expect(letter.headers[DeadLetterHeaders.droppedHeaders]).toContain('dlq-value-encoding: reserved for dead letters');
  });

  it('when key and headers alone would exceed the limit, then the letter still fits it', () => {
    const headers = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`h-${i}`, 'v'.repeat(1000)]));
    const letter = deadLetter(
      message('x'.repeat(20_000), { key: Buffer.alloc(300_000, 'k'), headers }),
      failure,
      30_000,
    );
    expect(messageBytes(letter)).toBeLessThanOrEqual(30_000);
    expect(letter.key).toBe('order.events-1');
    expect(letter.headers[DeadLetterHeaders.droppedHeaders]).toContain('over the header budget');
  });

  it('when the value would not fit the limit, then it is cut to fit and the original size is recorded', () => {
    const letter = deadLetter(message('x'.repeat(5000)), failure, 2000);
    expect(messageBytes(letter)).toBeLessThanOrEqual(2000);
    expect(letter.headers[DeadLetterHeaders.truncatedFrom]).toBe('5000');
    expect(letter.value).toMatch(/^x+$/);
  });

  it('when the value fits, then it is kept whole', () => {
    const letter = deadLetter(message('{"ok":true}'), failure, 10_000);
    expect(letter.value).toBe('{"ok":true}');
    expect(letter.headers[DeadLetterHeaders.truncatedFrom]).toBeUndefined();
  });
});
