import { SetMetadata } from '@nestjs/common';
import type { Role } from './principal';

export const REQUIRED_ROLES = Symbol('REQUIRED_ROLES');

/** Lets a route (or every route of a controller) through only for a principal with one of these roles; else 403. */
export const Roles = (...roles: [Role, ...Role[]]): ClassDecorator & MethodDecorator =>
  SetMetadata(REQUIRED_ROLES, roles);
