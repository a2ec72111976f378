import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { putStock, postOrder } from '../../scripts/http/saga-requests';
import { waitFor } from '../../scripts/infra/run-command';
import { ServiceProcess, spawnService, waitUntilHealthy } from '../../scripts/stack/service-process';
import { SERVICE_NAMES } from '../../scripts/services';

interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
}

interface OtlpBody {
  resourceSpans?: Array<{
    resource?: { attributes?: Array<{ key: string; value: { stringValue?: string } }> };
    scopeSpans?: Array<{ spans?: Array<{ traceId: string; spanId: string; parentSpanId?: string; name: string }> }>;
  }>;
}

/** An OTLP/HTTP receiver the services export to, as a collector would; it keeps every span. */
function startReceiver(spans: ReceivedSpan[]): Promise<Server> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString() || '{}') as OtlpBody;
      for (const resourceSpans of body.resourceSpans ?? []) {
        const service =
          resourceSpans.resource?.attributes?.find((attribute) => attribute.key === 'service.name')?.value
            .stringValue ?? '?';
        for (const span of (resourceSpans.scopeSpans ?? []).flatMap((scope) => scope.spans ?? [])) {
          spans.push({ service, ...span });
        }
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** OpenTelemetry on real services: one order is one trace across all four, joined by traceparent. */
describe('tracing', () => {
  const spans: ReceivedSpan[] = [];
  let receiver: Server;
  const services = new Map<string, ServiceProcess>();

  beforeAll(async () => {
    receiver = await startReceiver(spans);
    const endpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    for (const service of SERVICE_NAMES) {
      services.set(
        service,
        await spawnService(service, { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_BSP_SCHEDULE_DELAY: '100' }),
      );
    }
    await Promise.all([...services.values()].map((service) => waitUntilHealthy(service)));
  });

  afterAll(async () => {
    await Promise.all([...services.values()].map((service) => service.stop()));
    await new Promise((resolve) => receiver?.close(resolve));
  });

  it('when an order is placed with a traceparent, then every service reports its spans in that one trace, each with a parent in it', async () => {
    const sku = `TRACE-${randomUUID().slice(0, 8)}`;
    const inventory = services.get('inventory') as ServiceProcess;
    const order = services.get('order') as ServiceProcess;
    expect((await putStock(inventory.url, sku, 5)).status).toBe(200);
    const traceId = randomBytes(16).toString('hex');
    const clientSpan = randomBytes(8).toString('hex');
    const placed = await postOrder(order.url, 'traced-customer', {
      sku,
      headers: { traceparent: `00-${traceId}-${clientSpan}-01` },
    });
    expect(placed.status).toBe(202);

    const expected = [
      ['order', 'POST /orders'],
      ['order', 'enqueue order.created'],
      ['inventory', 'consume order.created'],
      ['shipping', 'consume inventory.reserved'],
      ['shipping', 'carrier book'],
      ['order', 'consume shipping.scheduled'],
      ['notification', 'consume order.completed'],
    ];
    const inTrace = () => spans.filter((span) => span.traceId === traceId);
    await waitFor(
      'the saga spans of every service in the trace',
      () =>
        Promise.resolve(
          expected.every(([service, name]) => inTrace().some((span) => span.service === service && span.name === name))
            ? true
            : undefined,
        ),
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    expect(new Set(inTrace().map((span) => span.service))).toEqual(new Set(SERVICE_NAMES));
    // Joined, not merely tagged: every span's parent is the client's span or another span of the trace.
    const ids = new Set([clientSpan, ...inTrace().map((span) => span.spanId)]);
    const orphans = inTrace().filter((span) => span.parentSpanId && !ids.has(span.parentSpanId));
    expect(orphans.map((span) => `${span.service}: ${span.name}`)).toEqual([]);
  });
});
