import { isAdmin, Principal } from '@app/consistency';
import { CSRF_FIELD } from '../auth/session';
import { html, Html } from './html';

export interface PageContext {
  principal?: Principal;
  /** The session's CSRF token, for the forms of a cookie session. */
  csrf?: string;
}

/** A hidden CSRF field for a form of a cookie session; nothing for a bearer-token client. */
export function csrfField(context: PageContext): Html {
  return context.csrf ? html`<input type="hidden" name="${CSRF_FIELD}" value="${context.csrf}" />` : html``;
}

/** The page around every view: navigation, the search box, who is signed in. */
export function page(title: string, context: PageContext, body: Html, options: { charts?: boolean } = {}): string {
  const { principal } = context;
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title} · consistency console</title>
        <link rel="stylesheet" href="/assets/console.css" />
        ${
          options.charts
            ? html`<link rel="stylesheet" href="/assets/uplot.css" />
                <script src="/assets/uplot.js" defer></script>`
            : ''
        }
        <script src="/assets/console.js" defer></script>
      </head>
      <body>
        <header>
          <a class="brand" href="/">consistency console</a>
          ${
            principal
              ? html`<nav>
                    ${isAdmin(principal) ? html`<a href="/">Overview</a><a href="/dead-letters">Dead letters</a>` : ''}
                  </nav>
                  <form class="search" method="get" action="/search" role="search">
                    <input
                      name="q"
                      type="search"
                      aria-label="Search"
                      placeholder="order id, Idempotency-Key, correlation or event id"
                      required
                      maxlength="200"
                    />
                    <button type="submit">Search</button>
                  </form>
                  <form class="whoami" method="post" action="/logout">
                    ${csrfField(context)}<span>${principal.sub}${isAdmin(principal) ? ' (admin)' : ''}</span>
                    <button type="submit">Sign out</button>
                  </form>`
              : ''
          }
        </header>
        <main>
          <h1>${title}</h1>
          ${body}
        </main>
      </body>
    </html>`.value;
}
