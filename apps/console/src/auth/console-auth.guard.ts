import { CanActivate, ExecutionContext, ForbiddenException, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { IdentityProviderUnavailableError, InvalidTokenError, isAdmin, TokenVerifier } from '@app/consistency';
import { ADMIN_ONLY, IS_PUBLIC } from './access.decorators';
import { cookieValue, CSRF_FIELD, CsrfTokens, SESSION_COOKIE, setAuthenticated } from './session';

const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** No valid token: a browser is sent to the login form, an API client gets 401. */
export class LoginRequiredException extends UnauthorizedException {}

/**
 * The services' bearer tokens, from the Authorization header (API clients) or the session cookie
 * (browsers). A cookie session's state-changing requests must also carry the form's CSRF token and,
 * when the browser sends one, an Origin of this site: SameSite=Strict already keeps the cookie off
 * cross-site requests, this keeps a forged form from working even where it is not honoured.
 */
@Injectable()
export class ConsoleAuthGuard implements CanActivate {
  constructor(
    private readonly verifier: TokenVerifier,
    private readonly reflector: Reflector,
    private readonly csrf: CsrfTokens,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC, targets)) {
      return true;
    }
    const request = context.switchToHttp().getRequest<Request>();
    const header = request.headers.authorization;
    const sessionToken = header ? undefined : cookieValue(request, SESSION_COOKIE);
    const token = header ? BEARER.exec(header)?.[1] : sessionToken;
    if (!token) {
      throw new LoginRequiredException(header ? 'the Authorization header must be "Bearer <JWT>"' : 'sign in first');
    }
    let principal;
    try {
      principal = await this.verifier.verify(token);
    } catch (error) {
      if (error instanceof InvalidTokenError || error instanceof IdentityProviderUnavailableError) {
        throw new LoginRequiredException(error.message);
      }
      throw error;
    }
    if (sessionToken && !SAFE_METHODS.has(request.method)) {
      this.checkForgery(request, sessionToken);
    }
    setAuthenticated(request, { principal, csrf: sessionToken && this.csrf.issue(sessionToken) });
    if (this.reflector.getAllAndOverride<boolean | undefined>(ADMIN_ONLY, targets) && !isAdmin(principal)) {
      throw new ForbiddenException('this page requires the role admin');
    }
    return true;
  }

  private checkForgery(request: Request, sessionToken: string): void {
    const origin = request.headers.origin;
    if (origin !== undefined && origin !== `${request.protocol}://${request.headers.host}`) {
      throw new ForbiddenException('cross-site request refused');
    }
    const body = request.body as Record<string, unknown> | undefined;
    if (!this.csrf.verify(sessionToken, body?.[CSRF_FIELD])) {
      throw new ForbiddenException('missing or stale form token; reload the page and try again');
    }
  }
}
