import { ExecutionContext, HttpException } from '@nestjs/common';
import { Registry } from 'prom-client';
import { AdmissionGuard } from './admission.guard';
import { AdmissionMetrics } from './admission.metrics';
import type { AdmissionOptions } from './admission.options';
import { BacklogSampler } from './backlog.sampler';

const admission: AdmissionOptions = {
  enabled: true,
  maxOutboxAgeMs: 10_000,
  maxSagasInFlight: 3,
  maxConsumerLag: 1000,
  sampleIntervalMs: 250,
};

function httpContext() {
  const headers = new Map<string, string>();
  const response = { setHeader: (name: string, value: string) => headers.set(name.toLowerCase(), value) };
  const context = { switchToHttp: () => ({ getResponse: () => response }) } as unknown as ExecutionContext;
  return { context, headers };
}

describe('AdmissionGuard', () => {
  async function setUp(sagas: number, outboxAgeMs = 0) {
    const sampler = new BacklogSampler(
      {
        outboxAgeMs: () => Promise.resolve(outboxAgeMs),
        sagasInFlight: () => Promise.resolve(sagas),
        consumerLag: () => 0,
      },
      admission,
    );
    await sampler.sample();
    const registry = new Registry();
    const guard = new AdmissionGuard(sampler, new AdmissionMetrics(registry, sampler), {
      ...admission,
      service: 'order',
    });
    const rejections = async (reason: string) =>
      (await registry.getSingleMetric('admission_rejections_total')?.get())?.values.find(
        (value) => value.labels.reason === reason,
      )?.value;
    return { guard, rejections };
  }

  it('when the backlog is under its bounds, then requests are admitted until the admitted ones reach the bound', async () => {
    const { guard, rejections } = await setUp(1);
    const { context, headers } = httpContext();
    expect(guard.canActivate(context)).toBe(true);
    expect(guard.canActivate(context)).toBe(true);
    expect(() => guard.canActivate(context)).toThrow(HttpException);
    expect(headers.get('retry-after')).toBe('1');
    expect(await rejections('sagas_in_flight')).toBe(1);
  });

  it('when the backlog is past a bound, then 503 in Nest shape with Retry-After, the reason counted, no numbers told', async () => {
    const { guard, rejections } = await setUp(0, 35_000);
    const { context, headers } = httpContext();
    let error: unknown;
    try {
      guard.canActivate(context);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(HttpException);
    const exception = error as HttpException;
    expect(exception.getStatus()).toBe(503);
    expect(exception.getResponse()).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: expect.stringMatching(/^the order service is past capacity \(its outbox is behind\).*retry after 3 s/),
    });
    expect(JSON.stringify(exception.getResponse())).not.toMatch(/35/);
    expect(headers.get('retry-after')).toBe('3');
    expect(await rejections('outbox_age')).toBe(1);
    expect(await rejections('sagas_in_flight')).toBe(0);
  });
});
