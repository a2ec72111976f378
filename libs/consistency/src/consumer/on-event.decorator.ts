import { applyDecorators, UseFilters } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { EventCatalog, EventType } from '@app/contracts';
import { PassThroughRpcErrors } from './pass-through-rpc-errors.filter';

export interface OnEventOptions {
  /** Envelope versions the handler takes as they are; older ones are upcast, others dead-lettered. */
  versions?: number[];
}

/**
 * Declares a Kafka event handler for one event type (and the versions it accepts). Its errors reach
 * the consumer unchanged, so retries and dead letters see the real error.
 */
export function OnEvent(type: EventType, options: OnEventOptions = {}): MethodDecorator {
  return applyDecorators(
    EventPattern(type, { versions: options.versions ?? [EventCatalog[type].version] }),
    UseFilters(PassThroughRpcErrors),
  );
}
