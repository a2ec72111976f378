export { CarrierSimulatorServer } from './carrier-simulator.server';
export type { CarrierSimulatorOptions } from './carrier-simulator.server';
