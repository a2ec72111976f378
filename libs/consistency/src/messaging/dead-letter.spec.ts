import { messageBytes } from '../outbox/outbox.service';
import { deadLetter, DeadLetterHeaders, FailedMessage } from './dead-letter';

const failure = { reason: 'poison', error: 'bad', attempts: 0, consumer: 'inventory-service' } as const;
const message = (value: string): FailedMessage => ({
  topic: 'order.events',
  partition: 1,
  offset: '7',
  key: 'k',
  value,
  headers: {},
});

describe('deadLetter', () => {
  it('when the value holds NUL bytes, then it is kept as base64 and marked so', () => {
    const letter = deadLetter(message('a\u0000b'), failure, 10_000);
    expect(letter.headers[DeadLetterHeaders.valueEncoding]).toBe('base64');
    expect(Buffer.from(letter.value, 'base64').toString()).toBe('a\u0000b');
  });

  it('when the error quotes NUL bytes, then the headers carry a replacement character instead', () => {
    const letter = deadLetter(message('a\u0000b'), { ...failure, error: 'bad "a\u0000b"' }, 10_000);
    expect(letter.headers[DeadLetterHeaders.error]).toBe('bad "a\uFFFDb"');
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
