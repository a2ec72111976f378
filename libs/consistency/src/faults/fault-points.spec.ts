import { FaultInjector, InjectedFault, LIBRARY_FAULT_POINTS, parseFaultPoints } from './fault-points';

/** A service that declares one point of its own. */
const points = [...LIBRARY_FAULT_POINTS, 'shipping.carrier-timeout'];

describe('parseFaultPoints', () => {
  it('when empty, then no fault is armed', () => {
    expect(parseFaultPoints('', points).size).toBe(0);
  });

  it('when given known points and actions, then each is armed', () => {
    const faults = parseFaultPoints(
      'outbox.after-commit-before-publish:crash, outbox.after-publish-before-mark:throw,idempotency.after-key-locked:delay:250',
      points,
    );
    expect([...faults]).toEqual([
      ['outbox.after-commit-before-publish', { kind: 'crash' }],
      ['outbox.after-publish-before-mark', { kind: 'throw' }],
      ['idempotency.after-key-locked', { kind: 'delay', ms: 250 }],
    ]);
  });

  it.each([
    'nowhere:crash',
    'outbox.after-publish-before-mark:explode',
    'outbox.after-publish-before-mark',
    'idempotency.after-key-locked:delay:soon',
  ])('when given "%s", then it names the accepted forms', (input) => {
    expect(() => parseFaultPoints(input, points)).toThrow(/<point>:crash, <point>:throw or <point>:delay:<ms>/);
  });
});

describe('FaultInjector', () => {
  it('when a point is set to throw, then hitting it throws and other points pass', async () => {
    const injector = new FaultInjector(
      true,
      points,
      new Map([['outbox.after-publish-before-mark', { kind: 'throw' }]]),
    );
    await expect(injector.hit('outbox.after-commit-before-publish')).resolves.toBeUndefined();
    await expect(injector.hit('outbox.after-publish-before-mark')).rejects.toThrow(InjectedFault);
  });

  it('when armed for 2 hits, then it acts twice and then disarms itself', async () => {
    const injector = new FaultInjector(true, points);
    injector.arm('shipping.carrier-timeout', { kind: 'throw', times: 2 });
    await expect(injector.hit('shipping.carrier-timeout')).rejects.toThrow(InjectedFault);
    await expect(injector.hit('shipping.carrier-timeout')).rejects.toThrow(InjectedFault);
    await expect(injector.hit('shipping.carrier-timeout')).resolves.toBeUndefined();
    expect(injector.snapshot()).toEqual({});
  });

  it('when disabled, then it holds nothing and refuses to be armed', async () => {
    const injector = new FaultInjector(
      false,
      points,
      new Map([['outbox.after-publish-before-mark', { kind: 'throw' }]]),
    );
    await expect(injector.hit('outbox.after-publish-before-mark')).resolves.toBeUndefined();
    expect(() => injector.arm('outbox.after-publish-before-mark', { kind: 'throw' })).toThrow(/switched off/);
  });
});
