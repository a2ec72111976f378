import { ArgumentsHost, Catch, HttpException } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { STATUS_CODES } from 'node:http';

/**
 * Errors raised before a route runs (body parser: too large, bad charset or encoding) carry an
 * HTTP status but are not Nest exceptions; they are answered in Nest's `{ statusCode, error,
 * message }` shape like every other error, instead of without `error`.
 */
@Catch()
export class NestErrorShapeFilter extends BaseExceptionFilter {
  override catch(exception: unknown, host: ArgumentsHost): void {
    super.catch(asHttpException(exception), host);
  }
}

function asHttpException(exception: unknown): unknown {
  if (exception instanceof HttpException || !(exception instanceof Error)) {
    return exception;
  }
  const { status, expose, limit } = exception as Error & { status?: unknown; expose?: unknown; limit?: unknown };
  if (typeof status !== 'number' || status < 400 || status > 499 || expose === false) {
    return exception;
  }
  const message =
    status === 413 && typeof limit === 'number'
      ? `the request body is larger than ${limit} bytes (HTTP_BODY_LIMIT_BYTES)`
      : exception.message;
  return new HttpException({ statusCode: status, error: STATUS_CODES[status], message }, status);
}
