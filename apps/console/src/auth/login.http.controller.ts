import { Body, Controller, Get, HttpCode, Inject, Post, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { decodeJwt } from 'jose';
import { IdentityProviderUnavailableError, InvalidTokenError, TokenVerifier } from '@app/consistency';
import { CONSOLE_CONFIG } from '../console.config';
import type { ConsoleConfig } from '../console.config';
import { html } from '../views/html';
import { page } from '../views/layout';
import { Public } from './access.decorators';
import { localPath, SESSION_COOKIE } from './session';

/** Longest token a form may carry: the verifier refuses longer ones anyway. */
const MAX_FORM_TOKEN = 8192;

function loginForm(next: string, problem?: string): string {
  return page(
    'Sign in',
    {},
    html`${problem ? html`<p class="banner bad">${problem}</p>` : ''}
      <form method="post" action="/login" class="card">
        <p>
          Paste a bearer token (the services' own: <code>npm run token -- --sub you --role admin</code>). It is kept in
          an HttpOnly cookie for this site only, until it expires.
        </p>
        <input type="hidden" name="next" value="${next}" />
        <label for="token">Bearer token</label>
        <textarea id="token" name="token" rows="5" required maxlength="${MAX_FORM_TOKEN}"></textarea>
        <p><button class="primary" type="submit">Sign in</button></p>
      </form>`,
  );
}

/** The browser's way in: a token pasted once becomes a session cookie. */
@Controller()
export class LoginHttpController {
  constructor(
    private readonly verifier: TokenVerifier,
    @Inject(CONSOLE_CONFIG) private readonly config: ConsoleConfig,
  ) {}

  @Public()
  @Get('login')
  form(@Query('next') next: unknown): string {
    return loginForm(localPath(next));
  }

  @Public()
  @Post('login')
  @HttpCode(303)
  async login(@Body() body: unknown, @Req() request: Request, @Res() response: Response): Promise<void> {
    const { token, next } = (body ?? {}) as { token?: unknown; next?: unknown };
    const origin = request.headers.origin;
    if (origin !== undefined && origin !== `${request.protocol}://${request.headers.host}`) {
      response.status(403).type('html').send(loginForm('/', 'cross-site sign-in refused'));
      return;
    }
    const text = typeof token === 'string' ? token.trim() : '';
    try {
      if (text.length === 0 || text.length > MAX_FORM_TOKEN) {
        throw new InvalidTokenError('paste a bearer token');
      }
      await this.verifier.verify(text);
    } catch (error) {
      if (error instanceof InvalidTokenError || error instanceof IdentityProviderUnavailableError) {
        response
          .status(401)
          .type('html')
          .send(loginForm(localPath(next), error.message));
        return;
      }
      throw error;
    }
    const exp = decodeJwt(text).exp ?? 0;
    response.cookie(SESSION_COOKIE, text, {
      httpOnly: true,
      sameSite: 'strict',
      secure: this.config.secureCookie,
      path: '/',
      maxAge: Math.max(0, exp * 1000 - Date.now()),
    });
    response.redirect(303, localPath(next));
  }

  @Post('logout')
  logout(@Res() response: Response): void {
    response.clearCookie(SESSION_COOKIE, {
      httpOnly: true,
      sameSite: 'strict',
      secure: this.config.secureCookie,
      path: '/',
    });
    response.redirect(303, '/login');
  }
}
