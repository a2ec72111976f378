import { Kafka } from 'kafkajs';
import { Registry } from 'prom-client';
import { FaultInjector } from '../faults/fault-points';
import { OutboxMetrics } from './outbox.metrics';
import { OutboxNotifier } from './outbox.notifier';
import { loadOutboxOptions } from './outbox.options';
import { OutboxRelay } from './outbox.relay';
import { OutboxSignal } from './outbox-signal';
import { DrainedRound, OutboxStore } from './outbox.store';

/** Counts calls and lets a test wait for the n-th one. */
class Calls {
  count = 0;
  private waiters: Array<{ n: number; reached: () => void }> = [];

  record(): void {
    this.count += 1;
    this.waiters = this.waiters.filter((waiter) => (waiter.n <= this.count ? (waiter.reached(), false) : true));
  }

  reach(n: number): Promise<void> {
    return n <= this.count ? Promise.resolve() : new Promise((reached) => this.waiters.push({ n, reached }));
  }
}

/** A store with nothing to send unless `sendable` says so; counts probes and claim rounds. */
function fakeStore() {
  const probes = new Calls();
  const claims = new Calls();
  const state = { sendable: false };
  const empty: DrainedRound = { published: [], rejected: [], splitRequests: 0, full: false };
  const store = {
    hasSendable: () => {
      probes.record();
      return Promise.resolve(state.sendable);
    },
    drain: () => {
      claims.record();
      return Promise.resolve(empty);
    },
    purgePublished: () => Promise.resolve(0),
    pendingSummary: () => Promise.resolve({ pending: 0, oldestAgeSeconds: 0, parked: 0 }),
  } as unknown as OutboxStore;
  return { store, probes, claims, state };
}

function relayOn(store: OutboxStore, signal: OutboxSignal, pollIntervalMs: number): OutboxRelay {
  const producer = { connect: () => Promise.resolve(), disconnect: () => Promise.resolve() };
  const kafka = { producer: () => producer } as unknown as Kafka;
  const notifier = {
    listen: () => Promise.resolve(),
    notify: () => undefined,
    close: () => Promise.resolve(),
  } as unknown as OutboxNotifier;
  const options = loadOutboxOptions({
    OUTBOX_POLL_INTERVAL_MS: String(pollIntervalMs),
    OUTBOX_PUBLISH_AFTER_COMMIT: 'false',
    OUTBOX_RELAY_CONCURRENCY: '3',
  });
  return new OutboxRelay(
    kafka,
    store,
    notifier,
    signal,
    new OutboxMetrics(new Registry(), store),
    options,
    new FaultInjector(),
  );
}

describe('OutboxRelay rounds', () => {
  let relay: OutboxRelay | undefined;

  afterEach(async () => {
    await relay?.stop();
    relay = undefined;
  });

  it('when nothing is pending, then its polls probe the outbox and never open a claim transaction', async () => {
    const { store, probes, claims } = fakeStore();
    relay = relayOn(store, new OutboxSignal(), 5);
    relay.start();
    await probes.reach(30);
    expect(claims.count).toBe(0);
  });

  it('when a poll finds a sendable row, then that round claims', async () => {
    const { store, probes, claims, state } = fakeStore();
    relay = relayOn(store, new OutboxSignal(), 5);
    relay.start();
    await probes.reach(5);
    expect(claims.count).toBe(0);
    const probesBefore = probes.count;
    state.sendable = true;
    await claims.reach(1);
    // The claim followed a probe that saw the row.
    expect(probes.count).toBeGreaterThan(probesBefore);
  });

  it('when a commit wakes it, then it claims at once without probing first', async () => {
    const { store, probes, claims } = fakeStore();
    const signal = new OutboxSignal();
    relay = relayOn(store, signal, 60_000);
    relay.start();
    // Each of the three workers' first round looks for leftovers; then they sleep for the poll interval.
    await probes.reach(3);
    signal.committed();
    await claims.reach(1);
    expect(probes.count).toBe(3);
  });
});
