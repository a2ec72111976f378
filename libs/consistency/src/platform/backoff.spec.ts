import { backoffDelay } from './backoff';

describe('backoffDelay', () => {
  it('when attempts grow, then the delay stays within [ceiling/2, ceiling] of a doubling ceiling', () => {
    for (let attempt = 1; attempt <= 6; attempt++) {
      const ceiling = 100 * 2 ** attempt;
      for (let sample = 0; sample < 50; sample++) {
        const delay = backoffDelay(attempt, { maxMs: 60_000 });
        expect(delay).toBeGreaterThanOrEqual(ceiling / 2);
        expect(delay).toBeLessThanOrEqual(ceiling);
      }
    }
  });

  it('when the doubling passes the cap, then the cap bounds the delay', () => {
    expect(backoffDelay(40, { maxMs: 1000 })).toBeLessThanOrEqual(1000);
  });
});
