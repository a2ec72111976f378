import { positiveInt, validateEnv } from '../platform/config/validate-env';

/** Deepest JSON nesting a request body may have; real bodies here are 3 levels deep. */
export const MAX_JSON_DEPTH = 32;

export interface HttpOptions {
  /** Larger JSON bodies are refused with 413 before they are parsed. */
  bodyLimitBytes: number;
}

export function loadHttpOptions(env: NodeJS.ProcessEnv = process.env): HttpOptions {
  const clean = validateEnv(
    { HTTP_BODY_LIMIT_BYTES: positiveInt({ default: 65_536, desc: 'largest JSON request body, in bytes' }) },
    env,
  );
  return { bodyLimitBytes: clean.HTTP_BODY_LIMIT_BYTES };
}
