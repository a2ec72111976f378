import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { html } from '../views/html';
import { page } from '../views/layout';
import { authenticatedOf } from './session';
import { LoginRequiredException } from './console-auth.guard';

/**
 * Errors in the shape the services use (`{ statusCode, error, message }`) for API clients, as a page
 * for browsers, and a browser without a session is sent to sign in. Anything unexpected is a 500
 * whose detail stays in the log.
 */
@Catch()
export class ConsoleErrorsFilter implements ExceptionFilter {
  private readonly log = new Logger('Console');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<Request>();
    const response = http.getResponse<Response>();
    const wantsPage = !request.path.startsWith('/api/') && (request.headers.accept ?? '').includes('text/html');
    if (exception instanceof LoginRequiredException && wantsPage && request.method === 'GET') {
      response.redirect(303, `/login?next=${encodeURIComponent(request.originalUrl)}`);
      return;
    }
    const status = exception instanceof HttpException ? exception.getStatus() : HttpStatus.INTERNAL_SERVER_ERROR;
    if (status >= 500) {
      this.log.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    }
    const body = exception instanceof HttpException ? exception.getResponse() : undefined;
    const message =
      status >= 500
        ? 'internal error (see the console log)'
        : typeof body === 'object' && body !== null && 'message' in body
          ? String(body.message)
          : exception instanceof Error
            ? exception.message
            : 'request refused';
    const error = (HttpStatus[status] ?? 'Error').toString().replace(/_/g, ' ').toLowerCase();
    if (exception instanceof LoginRequiredException) {
      response.setHeader('WWW-Authenticate', 'Bearer realm="console"');
    }
    if (wantsPage) {
      const context = { principal: authenticatedOf(request)?.principal };
      response
        .status(status)
        .type('html')
        .send(page(`${status} ${error}`, context, html`<p class="banner bad">${message}</p>`));
      return;
    }
    response.status(status).json({ statusCode: status, error, message });
  }
}
