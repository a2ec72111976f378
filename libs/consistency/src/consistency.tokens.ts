/** Injection tokens of the library; the options type lives in consistency.options.ts. */
export const CONSISTENCY_OPTIONS = Symbol('CONSISTENCY_OPTIONS');
export const SERVICE_CONFIG = Symbol('SERVICE_CONFIG');
export const KAFKA = Symbol('KAFKA');
export const METRICS_REGISTRY = Symbol('METRICS_REGISTRY');
