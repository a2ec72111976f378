import { BaseRpcContext } from '@nestjs/microservices';

export interface EventSource {
  topic: string;
  partition: number;
  offset: string;
  headers: Record<string, string>;
}

/** What `@Ctx()` gives a handler: where the event came from (no producer: handlers use the outbox). */
export class EventContext extends BaseRpcContext<[EventSource]> {
  get source(): EventSource {
    return this.args[0];
  }
}
