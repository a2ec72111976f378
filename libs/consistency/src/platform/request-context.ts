import { AsyncLocalStorage } from 'node:async_hooks';

/** What an HTTP request passes on to the logs and to the events it causes. */
export interface RequestContext {
  requestId: string;
  traceparent: string;
}

export const REQUEST_ID_HEADER = 'x-request-id';

/** Longest request id taken from a client or an event; a longer one is replaced, not trusted. */
export const MAX_REQUEST_ID_LENGTH = 128;
const VISIBLE_ASCII = /^[\x21-\x7e]+$/;

const storage = new AsyncLocalStorage<RequestContext>();
/** Each HTTP response's request context, for code that has the response but not the async context. */
const byResponse = new WeakMap<object, RequestContext>();

export function attachRequest(response: object, context: RequestContext): void {
  byResponse.set(response, context);
}

export function requestOf(response: object): RequestContext | undefined {
  return byResponse.get(response);
}

/** Runs `work` (the rest of the request's handling) knowing the request's id and trace. */
export function runWithRequest(context: RequestContext, work: () => void): void {
  storage.run(context, work);
}

/** The HTTP request being handled, if any. */
export function currentRequest(): RequestContext | undefined {
  return storage.getStore();
}

/**
 * A request id as a client or an upstream event sent it, when it is safe to log and to forward:
 * visible ASCII, at most MAX_REQUEST_ID_LENGTH characters. Anything else is ignored rather than
 * refused: the id only correlates logs, so a bad one must not fail the request.
 */
export function acceptRequestId(value: unknown): string | undefined {
  return typeof value === 'string' && value.length <= MAX_REQUEST_ID_LENGTH && VISIBLE_ASCII.test(value)
    ? value
    : undefined;
}
