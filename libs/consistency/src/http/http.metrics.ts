import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { Histogram, Registry } from 'prom-client';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
/**
 * A root wildcard (`/{*path}`) is middleware registered for every path (request logging), not a
 * route: it is what stays on a request that no route took.
 */
const CATCH_ALL = /^\/\{?\*[A-Za-z_$][\w$]*\}?$/;

/** The labels of one answered request: its route template (never the raw path), method and status class. */
export function requestLabels(
  request: Request,
  status: number,
): { route: string; method: string; status_class: string } {
  const route = (request.route as { path?: unknown } | undefined)?.path;
  return {
    // Refused before routing (body too large, hostile query) or no route at all: one series, not one per path.
    route: typeof route === 'string' && !CATCH_ALL.test(route) ? `${request.baseUrl}${route}` : 'unmatched',
    method: METHODS.has(request.method) ? request.method : 'other',
    status_class: `${Math.floor(status / 100)}xx`,
  };
}

/**
 * Times every request from its first byte to its answer, per route template, method and status
 * class. Registered before anything else, so requests refused before routing count too.
 */
export function httpMetrics(registry: Registry): RequestHandler {
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from a request arriving to its answer, by route template, method and status class (held long polls included)',
    labelNames: ['route', 'method', 'status_class'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  return (request: Request, response: Response, next: NextFunction) => {
    const end = duration.startTimer();
    response.once('finish', () => end(requestLabels(request, response.statusCode)));
    next();
  };
}
