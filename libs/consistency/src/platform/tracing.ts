import { context, Link, propagation, ROOT_CONTEXT, Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { childTraceparent, newTraceparent, traceIdOf } from './trace-context';

let provider: NodeTracerProvider | undefined;

/**
 * Exports spans over OTLP/HTTP when `OTEL_EXPORTER_OTLP_ENDPOINT` is set (the exporter reads the
 * standard OTEL_* variables itself). Otherwise no provider is registered: the API stays a no-op and
 * spans cost a function call, while the W3C traceparent still travels with every event.
 */
export function startTracing(service: string, env: NodeJS.ProcessEnv = process.env): void {
  if (provider || !env.OTEL_EXPORTER_OTLP_ENDPOINT) {
    return;
  }
  provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: service }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  provider.register();
}

/** Sends the spans still buffered; the last step of a shutdown. */
export async function stopTracing(): Promise<void> {
  await provider?.shutdown();
  provider = undefined;
}

export interface OpenSpan {
  /** This span's context as a W3C traceparent: what the work it covers passes on as its parent. */
  traceparent: string;
  rename(name: string): void;
  end(error?: unknown, attributes?: Record<string, string | number | boolean>): void;
}

export interface SpanOptions {
  kind?: SpanKind;
  /** The traceparent to continue; a new trace starts when it is absent or malformed. */
  parent?: string;
  attributes?: Record<string, string | number | boolean>;
  /** Traces this span also relates to (a relay round publishes events of many orders). */
  links?: Array<string | undefined>;
}

function contextOf(traceparent: string | undefined) {
  return traceIdOf(traceparent) ? propagation.extract(ROOT_CONTEXT, { traceparent }) : ROOT_CONTEXT;
}

/**
 * Starts a span. Without a registered provider it records nothing and its traceparent is a child
 * id of `parent`, so events and logs stay joined by trace id either way.
 */
export function startSpan(
  name: string,
  { kind = SpanKind.INTERNAL, parent, attributes, links = [] }: SpanOptions,
): OpenSpan {
  if (!provider) {
    return {
      traceparent: parent && traceIdOf(parent) ? childTraceparent(parent) : newTraceparent(),
      rename: () => undefined,
      end: () => undefined,
    };
  }
  const spanLinks: Link[] = links.flatMap((link) => {
    const linked = trace.getSpanContext(contextOf(link));
    return linked ? [{ context: linked }] : [];
  });
  const span: Span = trace
    .getTracer('@app/consistency')
    .startSpan(name, { kind, attributes, links: spanLinks }, contextOf(parent));
  const { traceId, spanId, traceFlags } = span.spanContext();
  return {
    traceparent: `00-${traceId}-${spanId}-${traceFlags.toString(16).padStart(2, '0')}`,
    rename: (newName) => span.updateName(newName),
    end: (error, endAttributes) => {
      if (endAttributes) {
        span.setAttributes(endAttributes);
      }
      if (error !== undefined) {
        const message = error instanceof Error ? error.message : typeof error === 'string' ? error : 'failed';
        span.recordException(error instanceof Error ? error : message);
        span.setStatus({ code: SpanStatusCode.ERROR, message });
      }
      span.end();
    },
  };
}

/** Runs `work` in a span, handing it the span's traceparent; the span ends with the work. */
export async function inSpan<T>(
  name: string,
  options: SpanOptions,
  work: (traceparent: string) => Promise<T>,
): Promise<T> {
  const span = startSpan(name, options);
  try {
    const result = await context.with(contextOf(span.traceparent), () => work(span.traceparent));
    span.end();
    return result;
  } catch (error) {
    span.end(error);
    throw error;
  }
}

export { SpanKind };
