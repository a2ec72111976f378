import { applyDecorators, UseFilters } from '@nestjs/common';
import { EventPattern, MessageHandler } from '@nestjs/microservices';
import { EventCatalog, EventType } from '@app/contracts';
import { PassThroughRpcErrors } from './pass-through-rpc-errors.filter';

export interface OnEventOptions {
  /** Envelope versions the handler takes as they are; older ones are upcast, others dead-lettered. */
  versions?: number[];
  /**
   * The handler undoes an earlier step (releases stock, cancels a shipment). Its dead letters are
   * labelled `compensation="true"` and page at once: nothing else will undo that step.
   */
  compensation?: boolean;
}

/**
 * Declares a Kafka event handler for one event type (and the versions it accepts). Its errors reach
 * the consumer unchanged, so retries and dead letters see the real error.
 */
export function OnEvent(type: EventType, options: OnEventOptions = {}): MethodDecorator {
  return applyDecorators(
    EventPattern(type, {
      versions: options.versions ?? [EventCatalog[type].version],
      compensation: options.compensation === true,
    }),
    UseFilters(PassThroughRpcErrors),
  );
}

/** Whether `handler` was declared with `@OnEvent(type, { compensation: true })`. */
export function isCompensation(handler: MessageHandler | undefined): boolean {
  return (handler?.extras as { compensation?: unknown } | undefined)?.compensation === true;
}
