import { createParamDecorator, ExecutionContext, UnauthorizedException } from '@nestjs/common';
import type { Request } from 'express';
import { principalOf } from './request-principal';

/** Injects the verified Principal of the request into a route handler's parameter. */
export const CurrentPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext) => {
  const principal = principalOf(context.switchToHttp().getRequest<Request>());
  if (!principal) {
    throw new UnauthorizedException('this endpoint needs a bearer token');
  }
  return principal;
});
