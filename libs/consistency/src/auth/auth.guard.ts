import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  Inject,
  Injectable,
  ServiceUnavailableException,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { AUTH_OPTIONS } from './auth.module-definition';
import type { AuthModuleOptions } from './auth.module-definition';
import { IdentityProviderUnavailableError } from './identity-provider-unavailable.error';
import { InvalidTokenError } from './invalid-token.error';
import type { Principal, Role } from './principal';
import { IS_PUBLIC } from './public.decorator';
import { setPrincipal } from './request-principal';
import { REQUIRED_ROLES } from './roles.decorator';
import { TokenVerifier } from './token-verifier';

const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;

/**
 * Every HTTP route needs a valid bearer token unless marked `@Public()`: none or a bad one is 401
 * with a `WWW-Authenticate` challenge, a missing `@Roles(...)` role is 403. Ownership (404 for
 * someone else's order) is the handlers' business: only they know the owner.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly verifier: TokenVerifier,
    private readonly reflector: Reflector,
    @Inject(AUTH_OPTIONS) private readonly options: AuthModuleOptions,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    // Kafka handlers are reached through the broker, not HTTP: their input is checked per message.
    if (context.getType() !== 'http') {
      return true;
    }
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC, targets)) {
      return true;
    }
    const http = context.switchToHttp();
    const request = http.getRequest<Request>();
    const principal = await this.authenticate(request, http.getResponse<Response>());
    setPrincipal(request, principal);
    const required = this.reflector.getAllAndOverride<Role[] | undefined>(REQUIRED_ROLES, targets);
    if (required && !required.some((role) => principal.roles.includes(role))) {
      throw new ForbiddenException(`this endpoint requires the role ${required.join(' or ')}`);
    }
    return true;
  }

  private async authenticate(request: Request, response: Response): Promise<Principal> {
    try {
      return await this.verifier.verify(bearerToken(request));
    } catch (error) {
      if (error instanceof InvalidTokenError) {
        response.setHeader('WWW-Authenticate', this.challenge(error));
        throw new UnauthorizedException(error.message);
      }
      if (error instanceof IdentityProviderUnavailableError) {
        response.setHeader('Retry-After', '5');
        throw new ServiceUnavailableException(error.message);
      }
      throw error;
    }
  }

  /** RFC 6750: no error code when no credentials were sent, else why the token was refused. */
  private challenge(error: InvalidTokenError): string {
    const realm = `Bearer realm="${this.options.realm}"`;
    // A quoted-string may not hold a double quote unescaped; the messages quote claim names.
    const description = error.message.replaceAll('"', "'");
    return error.code ? `${realm}, error="${error.code}", error_description="${description}"` : realm;
  }
}

function bearerToken(request: Request): string {
  const header = request.headers.authorization;
  if (header === undefined || header === '') {
    throw new InvalidTokenError('a bearer token is required (Authorization: Bearer <JWT>)', null);
  }
  const match = BEARER.exec(header);
  if (!match) {
    throw new InvalidTokenError('the Authorization header must be "Bearer <JWT>"', 'invalid_request');
  }
  return match[1];
}
