import { FaultInjector, InjectedFault, parseFaultPoints } from './fault-points';

describe('parseFaultPoints', () => {
  it('when empty, then no fault is enabled', () => {
    expect(parseFaultPoints('', 'production').size).toBe(0);
  });

  it('when given known points and actions, then each is enabled', () => {
    const faults = parseFaultPoints(
      'outbox.after-commit-before-publish:crash, outbox.after-publish-before-mark:throw,idempotency.after-key-locked:delay:250',
      'test',
    );
    expect([...faults]).toEqual([
      ['outbox.after-commit-before-publish', { kind: 'crash' }],
      ['outbox.after-publish-before-mark', { kind: 'throw' }],
      ['idempotency.after-key-locked', { kind: 'delay', ms: 250 }],
    ]);
  });

  it('when NODE_ENV is production, then any fault is refused', () => {
    expect(() => parseFaultPoints('outbox.after-publish-before-mark:throw', 'production')).toThrow(/production/);
  });

  it.each([
    'nowhere:crash',
    'outbox.after-publish-before-mark:explode',
    'outbox.after-publish-before-mark',
    'idempotency.after-key-locked:delay:soon',
  ])('when given "%s", then it names the accepted forms', (input) => {
    expect(() => parseFaultPoints(input, 'test')).toThrow(/<point>:crash, <point>:throw or <point>:delay:<ms>/);
  });
});

describe('FaultInjector', () => {
  it('when a point is set to throw, then hitting it throws and other points pass', async () => {
    const injector = new FaultInjector(new Map([['outbox.after-publish-before-mark', { kind: 'throw' }]]));
    await expect(injector.hit('outbox.after-commit-before-publish')).resolves.toBeUndefined();
    await expect(injector.hit('outbox.after-publish-before-mark')).rejects.toThrow(InjectedFault);
  });
});
