/**
 * How a service counts its sagas in flight, for admission control. Only the service knows what an
 * unfinished saga is, so it provides this through `ConsistencyModule.forRoot({ admission })`.
 */
export interface SagasInFlightProbe {
  /** Sagas started and not yet finished, counted up to `limit` so the query stays bounded. */
  count(limit: number): Promise<number>;
}

export const SAGAS_IN_FLIGHT_PROBE = Symbol('SAGAS_IN_FLIGHT_PROBE');
