import { BadRequestException } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import { Registry } from 'prom-client';
import { METRICS_REGISTRY } from '../platform/tokens';
import { hostileJsonReason, hostileQueryReason } from './hostile-input';
import { httpMetrics } from './http.metrics';
import { HttpOptions, MAX_JSON_DEPTH } from './http.options';
import { NestErrorShapeFilter } from './nest-error-shape.filter';

/**
 * The HTTP edge of a service: JSON bodies up to the configured size (413 past it), no control
 * characters in body strings, keys or query parameters, bounded nesting, each query parameter once.
 * Runs before routing, so validation and handlers only see input of sane shape and size. Every
 * request is timed, refused ones included. The app must have been created with `bodyParser: false`.
 */
export function configureHttp(app: NestExpressApplication, options: HttpOptions): void {
  app.use(httpMetrics(app.get<Registry>(METRICS_REGISTRY)));
  app.useBodyParser('json', { limit: options.bodyLimitBytes });
  app.use((request: Request, _response: Response, next: NextFunction) => {
    const reason = hostileQueryReason(request.query) ?? hostileJsonReason(request.body, MAX_JSON_DEPTH);
    next(reason === undefined ? undefined : new BadRequestException(reason));
  });
  app.useGlobalFilters(new NestErrorShapeFilter(app.getHttpAdapter()));
}
