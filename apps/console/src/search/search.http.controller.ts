import { BadRequestException, Controller, Get, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { Session } from '../auth/session.decorator';
import type { AuthenticatedRequest } from '../auth/session';
import { html } from '../views/html';
import { page } from '../views/layout';
import { MAX_TERM_LENGTH, SearchMatch, SearchService } from './search.service';

// eslint-disable-next-line no-control-regex -- control characters are what no id or key holds
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

function termOf(value: unknown, name: string, required: boolean): string | undefined {
  if (value === undefined && !required) {
    return undefined;
  }
  if (
    typeof value !== 'string' ||
    value.trim().length === 0 ||
    value.length > MAX_TERM_LENGTH ||
    CONTROL_CHARACTER.test(value)
  ) {
    throw new BadRequestException(
      `${name} must be 1 to ${MAX_TERM_LENGTH} characters, none of them control characters`,
    );
  }
  return value.trim();
}

/** `GET /search?q=<term>[&customer=<id>]`: straight to the order's page when one order matches. */
@Controller()
export class SearchHttpController {
  constructor(private readonly search: SearchService) {}

  @Get('api/search')
  async api(
    @Query('q') q: unknown,
    @Query('customer') customer: unknown,
    @Session() { principal }: AuthenticatedRequest,
  ): Promise<{ matches: SearchMatch[] }> {
    return {
      matches: await this.search.search(termOf(q, 'q', true) as string, principal, termOf(customer, 'customer', false)),
    };
  }

  @Get('search')
  async page(
    @Query('q') q: unknown,
    @Query('customer') customer: unknown,
    @Session() session: AuthenticatedRequest,
    @Res() response: Response,
  ): Promise<void> {
    const term = termOf(q, 'q', true) as string;
    const matches = await this.search.search(term, session.principal, termOf(customer, 'customer', false));
    if (matches.length === 1) {
      response.redirect(303, `/orders/${matches[0].orderId}`);
      return;
    }
    const body =
      matches.length === 0
        ? html`<p class="banner warn">
            No order matches <span class="mono">${term}</span> (order id, Idempotency-Key, correlation id or event id).
          </p>`
        : html`<table>
            <thead>
              <tr>
                <th>order</th>
                <th>customer</th>
                <th>matched by</th>
              </tr>
            </thead>
            <tbody>
              ${matches.map(
                (match) =>
                  html`<tr>
                    <td><a class="mono" href="/orders/${match.orderId}">${match.orderId}</a></td>
                    <td>${match.customerId}</td>
                    <td>${match.matchedBy}</td>
                  </tr>`,
              )}
            </tbody>
          </table>`;
    response
      .status(matches.length === 0 ? 404 : 200)
      .type('html')
      .send(page(`Search: ${term}`, session, body));
  }
}
