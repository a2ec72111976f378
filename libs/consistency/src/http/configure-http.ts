import { BadRequestException } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import { randomUUID } from 'node:crypto';
import {
  acceptRequestId,
  attachRequest,
  REQUEST_ID_HEADER,
  RequestContext,
  requestOf,
  runWithRequest,
} from '../platform/request-context';
import { SpanKind, startSpan } from '../platform/tracing';
import { Registry } from 'prom-client';
import { METRICS_REGISTRY } from '../platform/tokens';
import { hostileJsonReason, hostileQueryReason } from './hostile-input';
import { httpMetrics } from './http.metrics';
import { HttpOptions, MAX_JSON_DEPTH } from './http.options';
import { NestErrorShapeFilter } from './nest-error-shape.filter';

/**
 * The HTTP edge of a service: every request gets an id (the client's `X-Request-ID` when it sends a
 * sane one, else a new one; returned in the answer, on its log lines and on the events it causes)
 * and a trace (continuing the client's `traceparent`); JSON bodies up to the configured size (413 past it), no control
 * characters in body strings, keys or query parameters, bounded nesting, each query parameter once.
 * Runs before routing, so validation and handlers only see input of sane shape and size. Every
 * request is timed, refused ones included. The app must have been created with `bodyParser: false`.
 */
export function configureHttp(app: NestExpressApplication, options: HttpOptions): void {
  // Before the body parser, so even a 413 names its request.
  app.use((request: Request, response: Response, next: NextFunction) => {
    const span = startSpan(request.method, {
      kind: SpanKind.SERVER,
      parent: request.header('traceparent'),
      attributes: { 'http.request.method': request.method, 'url.path': request.path },
    });
    const context: RequestContext = {
      requestId: acceptRequestId(request.header(REQUEST_ID_HEADER)) ?? randomUUID(),
      traceparent: span.traceparent,
    };
    response.setHeader(REQUEST_ID_HEADER, context.requestId);
    attachRequest(response, context);
    response.once('finish', () => {
      const route = (request.route as { path?: string } | undefined)?.path;
      span.rename(`${request.method} ${route ?? 'unmatched'}`);
      span.end(response.statusCode >= 500 ? `HTTP ${response.statusCode}` : undefined, {
        'http.response.status_code': response.statusCode,
        'request.id': context.requestId,
      });
    });
    next();
  });
  app.use(httpMetrics(app.get<Registry>(METRICS_REGISTRY)));
  app.useBodyParser('json', { limit: options.bodyLimitBytes });
  // After it: the body parser's stream callbacks would not keep the request's async context.
  app.use((_request: Request, response: Response, next: NextFunction) => {
    const context = requestOf(response);
    if (context) {
      runWithRequest(context, next);
    } else {
      next();
    }
  });
  app.use((request: Request, _response: Response, next: NextFunction) => {
    const reason = hostileQueryReason(request.query) ?? hostileJsonReason(request.body, MAX_JSON_DEPTH);
    next(reason === undefined ? undefined : new BadRequestException(reason));
  });
  app.useGlobalFilters(new NestErrorShapeFilter(app.getHttpAdapter()));
}
