import { countLimit } from './admission-decision';
import type { AdmissionOptions } from './admission.options';
import { BacklogSampler, BacklogSources } from './backlog.sampler';

const options: AdmissionOptions = {
  enabled: true,
  maxOutboxAgeMs: 10_000,
  maxSagasInFlight: 200,
  maxConsumerLag: 1000,
  sampleIntervalMs: 250,
};

/** Sources whose answers the test sets; `sagasInFlight` can be held to see what happens meanwhile. */
function fakeSources() {
  const state = { outboxAgeMs: 0, sagas: 0, lag: 0, fail: undefined as Error | undefined, limits: [] as number[] };
  let hold = false;
  let release: (() => void) | undefined;
  const sources: BacklogSources = {
    outboxAgeMs: () => (state.fail ? Promise.reject(state.fail) : Promise.resolve(state.outboxAgeMs)),
    sagasInFlight: async (limit) => {
      state.limits.push(limit);
      const count = state.sagas;
      if (hold) {
        await new Promise<void>((done) => (release = done));
      }
      if (state.fail) {
        throw state.fail;
      }
      return count;
    },
    consumerLag: () => state.lag,
  };
  return {
    state,
    sources,
    holdCounts: () => (hold = true),
    releaseCount: () => {
      hold = false;
      release?.();
    },
  };
}

describe('BacklogSampler', () => {
  let clock: number;
  const now = () => clock;

  beforeEach(() => {
    clock = 1_000_000;
  });

  it('when it samples, then each signal is read with the time it was read', async () => {
    const { state, sources } = fakeSources();
    Object.assign(state, { outboxAgeMs: 1234, sagas: 17, lag: 42 });
    const sampler = new BacklogSampler(sources, options, now);
    await sampler.sample();
    expect(sampler.backlog()).toEqual({
      outbox_age: { value: 1234, at: clock },
      sagas_in_flight: { value: 17, at: clock },
      consumer_lag: { value: 42, at: clock },
    });
    expect(state.limits).toEqual([countLimit(options.maxSagasInFlight)]);
  });

  it('when requests are admitted between two samples, then each counts as a saga in flight until the next count', async () => {
    const { state, sources } = fakeSources();
    state.sagas = 10;
    const sampler = new BacklogSampler(sources, options, now);
    await sampler.sample();
    sampler.admitted();
    sampler.admitted();
    expect(sampler.backlog().sagas_in_flight?.value).toBe(12);
    state.sagas = 12;
    await sampler.sample();
    expect(sampler.backlog().sagas_in_flight?.value).toBe(12);
  });

  it('when a request is admitted while sagas are being counted, then it is still counted after the count', async () => {
    const fake = fakeSources();
    fake.state.sagas = 5;
    const sampler = new BacklogSampler(fake.sources, options, now);
    fake.holdCounts();
    const sampling = sampler.sample();
    sampler.admitted();
    fake.releaseCount();
    await sampling;
    expect(sampler.backlog().sagas_in_flight?.value).toBe(6);
  });

  it('when reading the database fails, then the last readings stay with their old time and the lag stays fresh', async () => {
    const { state, sources } = fakeSources();
    Object.assign(state, { outboxAgeMs: 500, sagas: 3, lag: 1 });
    const sampler = new BacklogSampler(sources, options, now);
    await sampler.sample();
    const first = clock;
    clock += 5000;
    Object.assign(state, { fail: new Error('connection refused'), lag: 7 });
    await sampler.sample();
    expect(sampler.backlog()).toEqual({
      outbox_age: { value: 500, at: first },
      sagas_in_flight: { value: 3, at: first },
      consumer_lag: { value: 7, at: clock },
    });
    expect(sampler.oldestReadingAt()).toBe(first);
  });

  it('when the service counts no sagas, then there is no such reading and admissions change nothing', async () => {
    const { sources } = fakeSources();
    const sampler = new BacklogSampler({ ...sources, sagasInFlight: undefined }, options, now);
    await sampler.sample();
    sampler.admitted();
    expect(Object.keys(sampler.backlog()).sort()).toEqual(['consumer_lag', 'outbox_age']);
  });

  it('when admission control is off, then it never samples', async () => {
    const { state, sources } = fakeSources();
    const sampler = new BacklogSampler(sources, { ...options, enabled: false }, now);
    sampler.onApplicationBootstrap();
    await sampler.onModuleDestroy();
    expect(state.limits).toEqual([]);
    expect(sampler.oldestReadingAt()).toBeUndefined();
  });

  it('when the application starts, then it samples at once and every interval until it stops', async () => {
    jest.useFakeTimers();
    try {
      const { state, sources } = fakeSources();
      const sampler = new BacklogSampler(sources, options, now);
      sampler.onApplicationBootstrap();
      await jest.advanceTimersByTimeAsync(options.sampleIntervalMs * 4);
      expect(state.limits).toHaveLength(5);
      await sampler.onModuleDestroy();
      await jest.advanceTimersByTimeAsync(options.sampleIntervalMs * 4);
      expect(state.limits).toHaveLength(5);
    } finally {
      jest.useRealTimers();
    }
  });
});
