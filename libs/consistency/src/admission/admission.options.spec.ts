import { loadAdmissionOptions } from './admission.options';

describe('loadAdmissionOptions', () => {
  it('when nothing is set, then the documented defaults apply', () => {
    expect(loadAdmissionOptions({})).toEqual({
      enabled: true,
      maxOutboxAgeMs: 10_000,
      maxSagasInFlight: 200,
      maxConsumerLag: 1000,
      sampleIntervalMs: 250,
    });
  });

  it('when a bound is not a positive integer, then the service refuses to start and names it', () => {
    expect(() => loadAdmissionOptions({ ADMISSION_MAX_SAGAS_IN_FLIGHT: '0' })).toThrow(
      /ADMISSION_MAX_SAGAS_IN_FLIGHT is invalid/,
    );
    expect(() => loadAdmissionOptions({ ADMISSION_MAX_OUTBOX_AGE_MS: '5s', ADMISSION_ENABLED: 'maybe' })).toThrow(
      /ADMISSION_ENABLED is invalid.*ADMISSION_MAX_OUTBOX_AGE_MS is invalid|ADMISSION_MAX_OUTBOX_AGE_MS is invalid.*ADMISSION_ENABLED is invalid/,
    );
  });
});
