/** Longest Idempotency-Key accepted, counted after unquoting. */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

const TOKEN = /^[A-Za-z0-9._:-]+$/;
// RFC 8941 sf-string: printable ASCII between double quotes, with `"` and `\` escaped by `\`.
const QUOTED = /^"((?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\["\\])*)"$/;

export const IDEMPOTENCY_KEY_RULE =
  `a token of 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters of letters, digits, ".", "_", ":" or "-", ` +
  `or a quoted string (RFC 8941) of 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} printable ASCII characters`;

/**
 * The key an Idempotency-Key header names, or undefined when the header is malformed. The IETF
 * draft defines the field as a Structured Field String (`"8e03…"`); the bare token form stays
 * accepted. Both spellings of one key are the same key.
 */
export function parseIdempotencyKey(header: string): string | undefined {
  if (header.length > 2 * MAX_IDEMPOTENCY_KEY_LENGTH + 2) {
    return undefined;
  }
  const key = TOKEN.test(header) ? header : QUOTED.exec(header)?.[1]?.replace(/\\(["\\])/g, '$1');
  return key !== undefined && key.length >= 1 && key.length <= MAX_IDEMPOTENCY_KEY_LENGTH ? key : undefined;
}
