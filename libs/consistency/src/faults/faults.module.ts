import { DynamicModule, Module } from '@nestjs/common';
import { FaultAction, FaultInjector, FaultPoint } from './fault-points';
import { FaultsController } from './faults.controller';

export interface FaultsOptions {
  /** Fault points and `/faults` exist only when this is on (development and test processes only). */
  enabled: boolean;
  /** The points this process has: the library's and its service's. */
  points: readonly FaultPoint[];
  /** Points armed from the start (FAULT_POINTS). */
  armed: ReadonlyMap<FaultPoint, FaultAction>;
}

/**
 * Named fault points for the whole app (the relay, the consumer and the service's own code hit
 * them), and the `/faults` control surface only when fault injection is on.
 */
@Module({})
export class FaultsModule {
  static forRoot(options: FaultsOptions): DynamicModule {
    return {
      module: FaultsModule,
      global: true,
      controllers: options.enabled ? [FaultsController] : [],
      providers: [
        { provide: FaultInjector, useValue: new FaultInjector(options.enabled, options.points, options.armed) },
      ],
      exports: [FaultInjector],
    };
  }
}
