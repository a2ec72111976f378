import { acceptRequestId, MAX_REQUEST_ID_LENGTH } from './request-context';
import { startSpan } from './tracing';

describe('acceptRequestId', () => {
  it.each([
    ['absent', undefined],
    ['not text', ['a', 'b']],
    ['empty', ''],
    ['too long', 'x'.repeat(MAX_REQUEST_ID_LENGTH + 1)],
    ['with a space', 'has space'],
    ['with a NUL', 'a\u0000b'],
    ['with a newline', 'a\nb'],
    ['not ASCII', 'ré-quest'],
  ])('when it is %s, then it is not taken', (_case, value) => {
    expect(acceptRequestId(value)).toBeUndefined();
  });

  it('when it is visible ASCII within the bound, then it is taken as it is', () => {
    const id = `req-${'x'.repeat(MAX_REQUEST_ID_LENGTH - 4)}`;
    expect(acceptRequestId(id)).toBe(id);
  });
});

describe('startSpan without a tracer', () => {
  const TRACEPARENT = /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/;

  it('when the parent is well-formed, then the span continues its trace', () => {
    const parent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    expect(startSpan('work', { parent }).traceparent).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/);
  });

  it.each(['garbage', '00-zz-yy-01', `00-${'0'.repeat(200)}`])(
    'when the parent is %p, then a new trace starts',
    (parent) => {
      expect(startSpan('work', { parent }).traceparent).toMatch(TRACEPARENT);
      expect(startSpan('work', { parent }).traceparent).not.toContain(parent);
    },
  );
});
