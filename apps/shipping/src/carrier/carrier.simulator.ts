import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { CarrierSimulatorServer } from '@app/carrier-simulator';
import { SHIPPING_OPTIONS } from '../shipping.options';
import type { ShippingOptions } from '../shipping.options';

/** Runs the simulated carrier inside the shipping process when CARRIER_SIMULATOR_ENABLED. */
@Injectable()
export class CarrierSimulator implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(CarrierSimulator.name);
  private server?: CarrierSimulatorServer;

  constructor(@Inject(SHIPPING_OPTIONS) private readonly options: ShippingOptions) {}

  async onApplicationBootstrap(): Promise<void> {
    const { enabled, port, latencyMs, failureRate } = this.options.simulator;
    if (!enabled) {
      return;
    }
    this.server = new CarrierSimulatorServer({ latencyMs, failureRate });
    await this.server.listen(port);
    this.logger.log(`simulated carrier on 127.0.0.1:${port}`);
  }

  async onModuleDestroy(): Promise<void> {
    await this.server?.close();
  }
}
