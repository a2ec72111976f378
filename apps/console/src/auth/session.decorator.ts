import { createParamDecorator, ExecutionContext, UnauthorizedException } from '@nestjs/common';
import type { Request } from 'express';
import { authenticatedOf, AuthenticatedRequest } from './session';

/** Who is signed in, and the CSRF token their forms carry, as the guard established. */
export const Session = createParamDecorator((_data: unknown, context: ExecutionContext): AuthenticatedRequest => {
  const authenticated = authenticatedOf(context.switchToHttp().getRequest<Request>());
  if (!authenticated) {
    throw new UnauthorizedException('sign in first');
  }
  return authenticated;
});
