import { decideAdmission, MAX_RETRY_AFTER_SECONDS, STALE_AFTER_SAMPLES } from './admission-decision';
import type { AdmissionOptions } from './admission.options';
import { Backlog } from './backlog';

const NOW = 1_000_000;
const options: AdmissionOptions = {
  enabled: true,
  maxOutboxAgeMs: 10_000,
  maxSagasInFlight: 200,
  maxConsumerLag: 1000,
  sampleIntervalMs: 250,
};
const fresh = (value: number) => ({ value, at: NOW - 100 });

describe('decideAdmission', () => {
  it('when every signal is under its bound, then the request is admitted', () => {
    const backlog: Backlog = { outbox_age: fresh(9_999), sagas_in_flight: fresh(199), consumer_lag: fresh(999) };
    expect(decideAdmission(backlog, options, NOW)).toEqual({ admit: true });
  });

  it('when nothing has been read yet, then the request is admitted', () => {
    expect(decideAdmission({}, options, NOW)).toEqual({ admit: true });
  });

  it.each([
    ['outbox_age', { outbox_age: fresh(10_000) }],
    ['sagas_in_flight', { sagas_in_flight: fresh(200) }],
    ['consumer_lag', { consumer_lag: fresh(1000) }],
  ] as const)(
    'when %s reaches its bound, then the request is refused for it with Retry-After 1 s',
    (signal, backlog) => {
      expect(decideAdmission(backlog, options, NOW)).toEqual({ admit: false, signal, retryAfterSeconds: 1 });
    },
  );

  it('when several signals are past their bounds, then the one furthest past is the reason', () => {
    const backlog: Backlog = { outbox_age: fresh(15_000), sagas_in_flight: fresh(700), consumer_lag: fresh(2000) };
    expect(decideAdmission(backlog, options, NOW)).toMatchObject({ admit: false, signal: 'sagas_in_flight' });
  });

  it('when the backlog is deeper, then Retry-After is one second per bound of excess, up to its cap', () => {
    const retryAfter = (sagas: number) => {
      const decision = decideAdmission({ sagas_in_flight: fresh(sagas) }, options, NOW);
      return decision.admit ? undefined : decision.retryAfterSeconds;
    };
    expect([200, 399, 400, 401, 600, 1000, 100_000].map(retryAfter)).toEqual([
      1,
      1,
      1,
      2,
      2,
      4,
      MAX_RETRY_AFTER_SECONDS,
    ]);
  });

  it('when a reading past its bound is stale, then it is ignored and the fresh ones decide', () => {
    const stale = { value: 1_000_000, at: NOW - STALE_AFTER_SAMPLES * options.sampleIntervalMs - 1 };
    const limit = { value: 1_000_000, at: NOW - STALE_AFTER_SAMPLES * options.sampleIntervalMs };
    expect(decideAdmission({ outbox_age: stale, sagas_in_flight: fresh(10) }, options, NOW)).toEqual({ admit: true });
    expect(decideAdmission({ outbox_age: limit }, options, NOW)).toMatchObject({ admit: false, signal: 'outbox_age' });
  });

  it('when admission control is off, then everything is admitted', () => {
    const backlog: Backlog = { sagas_in_flight: fresh(1_000_000) };
    expect(decideAdmission(backlog, { ...options, enabled: false }, NOW)).toEqual({ admit: true });
  });
});
