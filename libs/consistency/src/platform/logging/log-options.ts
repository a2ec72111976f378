import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { Params } from 'nestjs-pino';
import PinoPretty from 'pino-pretty';
import { currentMessage } from '../message-context';
import { currentRequest, requestOf } from '../request-context';
import { traceIdOf } from '../trace-context';

export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export interface LogOptions {
  service: string;
  level: string;
  format: LogFormat;
}

/**
 * What every line carries besides service and message: the request id and trace of the HTTP request
 * or event being handled, and for an event its order, correlation and id. Lines outside both
 * (start-up, the relay's rounds) carry neither.
 */
export function logContext(): Record<string, string | undefined> {
  const message = currentMessage();
  if (message) {
    return {
      requestId: message.requestId,
      traceId: traceIdOf(message.traceparent),
      orderId: message.envelope.orderId,
      correlationId: message.envelope.correlationId,
      eventId: message.envelope.id,
    };
  }
  const request = currentRequest();
  return request ? { requestId: request.requestId, traceId: traceIdOf(request.traceparent) } : {};
}

/** nestjs-pino parameters: JSON for machines, or one coloured line per entry for people. */
export function loggerParams({ service, level, format }: LogOptions): Params {
  const options: NonNullable<Params['pinoHttp']> = {
    level,
    base: { service },
    // A request's own line already has them bound (customProps below): no key written twice.
    mixin: (_object, _level, logger) => ('requestId' in logger.bindings() ? {} : logContext()),
    // The id the HTTP edge chose (the client's X-Request-ID or a new one) names the request's lines.
    genReqId: (_request: IncomingMessage, response: ServerResponse) => requestOf(response)?.requestId ?? randomUUID(),
    // The request's own line is written when the response finishes, outside its async context.
    customProps: (_request: IncomingMessage, response: ServerResponse) => {
      const request = requestOf(response);
      return request ? { requestId: request.requestId, traceId: traceIdOf(request.traceparent) } : {};
    },
    // Credentials never reach the logs, whatever the log level.
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'],
      censor: '[redacted]',
    },
    autoLogging: {
      ignore: (request) => request.url?.startsWith('/health') === true || request.url === '/metrics',
    },
  };
  if (format === 'json') {
    return { pinoHttp: options };
  }
  const pretty = PinoPretty({
    colorize: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,service,req,res,responseTime,context',
    messageFormat: '{if context}[{context}] {end}{msg}{if requestId}  (request {requestId}){end}',
    singleLine: true,
  });
  return { pinoHttp: [{ ...options, customSuccessMessage: requestLine, customErrorMessage: requestLine }, pretty] };
}

/** The request log line as a person reads it: `POST /orders → 202 in 12 ms`. */
function requestLine(request: IncomingMessage, response: ServerResponse, responseTime?: unknown): string {
  const took = typeof responseTime === 'number' ? ` in ${Math.round(responseTime)} ms` : '';
  return `${request.method} ${request.url} → ${response.statusCode}${took}`;
}
