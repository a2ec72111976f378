import type { Request } from 'express';
import type { Principal } from './principal';

const principals = new WeakMap<Request, Principal>();

/** Remembers who sent this request (set by the AuthGuard once the token verified). */
export function setPrincipal(request: Request, principal: Principal): void {
  principals.set(request, principal);
}

/** Who sent this request, or undefined on a public endpoint. */
export function principalOf(request: Request): Principal | undefined {
  return principals.get(request);
}
