import { AsyncLocalStorage } from 'node:async_hooks';
import { EventEnvelope } from '@app/contracts';

export interface MessageContext {
  envelope: EventEnvelope;
  traceparent?: string;
  /** The request id the event carried (`request-id` header), when it was a safe one. */
  requestId?: string;
}

const storage = new AsyncLocalStorage<MessageContext>();

/** Runs `work` knowing which event it handles, so events it enqueues inherit correlation, trace and request id. */
export function runWithMessage<T>(context: MessageContext, work: () => Promise<T>): Promise<T> {
  return storage.run(context, work);
}

/** The event being handled, if any. */
export function currentMessage(): MessageContext | undefined {
  return storage.getStore();
}
