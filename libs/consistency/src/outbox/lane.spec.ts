import { laneOf, OUTBOX_LANES } from './lane';

describe('laneOf', () => {
  it('when the same key is hashed twice, then it lands in the same lane', () => {
    expect(laneOf('order-42')).toBe(laneOf('order-42'));
  });

  it('when 10,000 keys are hashed, then every lane is used and none takes more than twice its share', () => {
    const counts = new Array<number>(OUTBOX_LANES).fill(0);
    for (let i = 0; i < 10_000; i++) {
      counts[laneOf(`3f2c${i}-order`)] += 1;
    }
    expect(Math.min(...counts)).toBeGreaterThan(0);
    expect(Math.max(...counts)).toBeLessThan((2 * 10_000) / OUTBOX_LANES);
  });
});
