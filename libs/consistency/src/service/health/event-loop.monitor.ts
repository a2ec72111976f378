import { OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';

const WINDOW_MS = 10_000;

/**
 * The event loop's longest delay over the last window: a process whose loop keeps blocking for
 * seconds cannot serve, heartbeat or shut down in time, and is better restarted.
 */
export class EventLoopMonitor implements OnModuleInit, OnModuleDestroy {
  private readonly histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: 20 });
  private timer?: NodeJS.Timeout;
  private lastWindowMaxMs = 0;

  onModuleInit(): void {
    this.histogram.enable();
    this.timer = setInterval(() => {
      this.lastWindowMaxMs = this.histogram.max / 1e6;
      this.histogram.reset();
    }, WINDOW_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
    this.histogram.disable();
  }

  /** Why the loop counts as stalled, or undefined: its longest delay in the last window passed `maxDelayMs`. */
  stalled(maxDelayMs: number): string | undefined {
    const worst = Math.max(this.lastWindowMaxMs, this.histogram.max / 1e6);
    return worst > maxDelayMs
      ? `the event loop was blocked for ${Math.round(worst)} ms (limit ${maxDelayMs} ms)`
      : undefined;
  }
}
