/** Roles a token may carry; anything else makes the token invalid. */
export const ROLES = ['customer', 'admin'] as const;

export type Role = (typeof ROLES)[number];

/** Longest `sub` accepted: it becomes an order's customer id and an Idempotency-Key scope. */
export const MAX_SUBJECT_LENGTH = 64;

/** Who is calling, as proven by a verified bearer token. */
export interface Principal {
  /** The customer id (JWT `sub`). */
  readonly sub: string;
  readonly roles: readonly Role[];
}

export function isRole(value: unknown): value is Role {
  return (ROLES as readonly unknown[]).includes(value);
}

export function isAdmin(principal: Principal): boolean {
  return principal.roles.includes('admin');
}
