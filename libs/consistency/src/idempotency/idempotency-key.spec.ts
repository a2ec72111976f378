import { MAX_IDEMPOTENCY_KEY_LENGTH, parseIdempotencyKey } from './idempotency-key';

describe('parseIdempotencyKey', () => {
  const uuid = '8e03978e-40d5-43e8-bc93-6894a57f9324';

  it('when the key is a bare token, then it is the key', () => {
    expect(parseIdempotencyKey(uuid)).toBe(uuid);
    expect(parseIdempotencyKey('order:42.retry_1')).toBe('order:42.retry_1');
  });

  it('when the key is an RFC 8941 quoted string, then it is the same key as the bare spelling', () => {
    expect(parseIdempotencyKey(`"${uuid}"`)).toBe(parseIdempotencyKey(uuid));
  });

  it('when a quoted key holds spaces and escaped quotes or backslashes, then they are unescaped', () => {
    expect(parseIdempotencyKey('"a b \\"c\\" \\\\d"')).toBe('a b "c" \\d');
  });

  it.each([
    ['empty', ''],
    ['an empty quoted string', '""'],
    ['spaces outside quotes', 'has spaces!'],
    ['an unterminated quote', '"abc'],
    ['an unescaped quote inside', '"a"b"'],
    ['a stray backslash', '"a\\b"'],
    ['a parameter after the string', '"abc";x=1'],
    ['two keys', '"a", "b"'],
    ['a non-ASCII character', '"clé"'],
    ['a control character', '"a\tb"'],
    ['a token one too long', 'k'.repeat(MAX_IDEMPOTENCY_KEY_LENGTH + 1)],
    ['a quoted string one too long', `"${'k'.repeat(MAX_IDEMPOTENCY_KEY_LENGTH + 1)}"`],
  ])('when the header is %s, then it is refused', (_case, header) => {
    expect(parseIdempotencyKey(header)).toBeUndefined();
  });

  it('when a key is exactly the longest allowed in either spelling, then it is accepted', () => {
    const longest = 'k'.repeat(MAX_IDEMPOTENCY_KEY_LENGTH);
    expect(parseIdempotencyKey(longest)).toBe(longest);
    expect(parseIdempotencyKey(`"${longest}"`)).toBe(longest);
  });
});
