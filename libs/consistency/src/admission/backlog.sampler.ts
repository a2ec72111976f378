import { Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { errorText } from '../platform/errors/error-text';
import { countLimit } from './admission-decision';
import type { AdmissionOptions } from './admission.options';
import { Backlog, BacklogSignal } from './backlog';

/** Where the sampler reads each signal. */
export interface BacklogSources {
  /** Age in ms of the oldest outbox row the relay could send now; 0 when there is none. */
  outboxAgeMs(): Promise<number>;
  /** Sagas in flight counted up to `limit`; absent when the service runs no saga. */
  sagasInFlight?: (limit: number) => Promise<number>;
  /** Messages waiting in the partitions this instance consumes (in memory, no query). */
  consumerLag(): number;
}

/**
 * Reads the service's backlog in the background, so that a request deciding whether to come in
 * reads memory, never the database. A source that fails keeps its last reading, which then ages
 * until admission control stops trusting it.
 */
export class BacklogSampler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(BacklogSampler.name);
  private readonly readings: Backlog = {};
  /** Requests admitted so far, and how many had been when sagas were last counted. */
  private admittedTotal = 0;
  private admittedAtCount = 0;
  private timer?: NodeJS.Timeout;
  private sampling?: Promise<void>;
  private failing = false;

  constructor(
    private readonly sources: BacklogSources,
    private readonly options: AdmissionOptions,
    private readonly now: () => number = Date.now,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.options.enabled) {
      return;
    }
    void this.tick();
    this.timer = setInterval(() => void this.tick(), this.options.sampleIntervalMs);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.sampling;
  }

  /**
   * The latest readings. Requests admitted since sagas were counted are counted in: each starts
   * one, so a burst between two samples cannot run past the bound.
   */
  backlog(): Backlog {
    const sagas = this.readings.sagas_in_flight;
    const admittedSince = this.admittedTotal - this.admittedAtCount;
    return sagas
      ? { ...this.readings, sagas_in_flight: { ...sagas, value: sagas.value + admittedSince } }
      : { ...this.readings };
  }

  /** A request was admitted. */
  admitted(): void {
    this.admittedTotal++;
  }

  /** When the oldest reading was taken, or undefined before the first sample. */
  oldestReadingAt(): number | undefined {
    const times = Object.values(this.readings).map((reading) => reading.at);
    return times.length > 0 ? Math.min(...times) : undefined;
  }

  /** Reads every signal once. */
  async sample(): Promise<void> {
    const at = this.now();
    // Taken before the count starts: a request admitted meanwhile may be counted twice, never missed.
    const admittedBefore = this.admittedTotal;
    this.readings.consumer_lag = { value: this.sources.consumerLag(), at };
    const [outboxAge, sagas] = await Promise.allSettled([
      this.sources.outboxAgeMs(),
      this.sources.sagasInFlight?.(countLimit(this.options.maxSagasInFlight)),
    ]);
    const failures = [this.record('outbox_age', outboxAge, at), this.record('sagas_in_flight', sagas, at)].filter(
      (failure) => failure !== undefined,
    );
    if (sagas.status === 'fulfilled') {
      this.admittedAtCount = admittedBefore;
    }
    this.reportFailures(failures);
  }

  private record(
    signal: BacklogSignal,
    result: PromiseSettledResult<number | undefined>,
    at: number,
  ): string | undefined {
    if (result.status === 'rejected') {
      return `${signal}: ${errorText(result.reason)}`;
    }
    if (result.value !== undefined) {
      this.readings[signal] = { value: result.value, at };
    }
    return undefined;
  }

  /** One warning when reading starts failing, one line when it works again. */
  private reportFailures(failures: string[]): void {
    if (failures.length > 0 && !this.failing) {
      this.logger.warn(
        `cannot read the backlog; admission control ignores readings once stale: ${failures.join('; ')}`,
      );
    } else if (failures.length === 0 && this.failing) {
      this.logger.log('reading the backlog again');
    }
    this.failing = failures.length > 0;
  }

  private async tick(): Promise<void> {
    if (this.sampling) {
      return;
    }
    this.sampling = this.sample().catch((error: unknown) =>
      this.logger.warn(`backlog sample failed: ${errorText(error)}`),
    );
    await this.sampling;
    this.sampling = undefined;
  }
}
