import { ConfigurableModuleBuilder, Type } from '@nestjs/common';
import { AdmissionOptions } from './admission.options';
import { SAGAS_IN_FLIGHT_PROBE, SagasInFlightProbe } from './sagas-in-flight.probe';

export interface AdmissionModuleOptions extends AdmissionOptions {
  /** Named in the 503's message. */
  service: string;
}

/**
 * `forRoot(options, { sagasInFlight })`: the extra is a provider class (it may inject the
 * DataSource) counting the service's sagas in flight; without it, that signal is not read.
 */
export const { ConfigurableModuleClass: ConfigurableAdmissionModule, MODULE_OPTIONS_TOKEN: ADMISSION_OPTIONS } =
  new ConfigurableModuleBuilder<AdmissionModuleOptions>()
    .setClassMethodName('forRoot')
    .setExtras<{ sagasInFlight?: Type<SagasInFlightProbe> }>({}, (definition, { sagasInFlight }) => ({
      ...definition,
      providers: [
        ...(definition.providers ?? []),
        ...(sagasInFlight ? [{ provide: SAGAS_IN_FLIGHT_PROBE, useClass: sagasInFlight }] : []),
      ],
    }))
    .build();
