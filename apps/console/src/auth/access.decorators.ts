import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'console:public';
export const ADMIN_ONLY = 'console:admin-only';

/** Reachable without a token (the login form, health, static assets). */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/** Needs the `admin` role: pages over every customer's orders, and replay. */
export const AdminOnly = () => SetMetadata(ADMIN_ONLY, true);
