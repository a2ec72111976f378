import { childTraceparent, newTraceparent, traceIdOf } from './trace-context';

describe('traceparents', () => {
  it('when many are made, then each is well-formed and no trace or span id repeats, across refills of the random pool', () => {
    const traceparents = Array.from({ length: 1000 }, () => newTraceparent());
    expect(traceparents.every((traceparent) => traceIdOf(traceparent) !== undefined)).toBe(true);
    expect(new Set(traceparents.map((traceparent) => traceparent.slice(3, 35))).size).toBe(1000);
    expect(new Set(traceparents.map((traceparent) => traceparent.slice(36, 52))).size).toBe(1000);
  });

  it('when a child is made, then it keeps the trace id with a new span id; a malformed parent starts a new trace', () => {
    const parent = newTraceparent();
    const child = childTraceparent(parent);
    expect(traceIdOf(child)).toBe(traceIdOf(parent));
    expect(child).not.toBe(parent);
    const orphan = childTraceparent('00-zz-11-01');
    expect(traceIdOf(orphan)).toMatch(/^[0-9a-f]{32}$/);
  });
});
