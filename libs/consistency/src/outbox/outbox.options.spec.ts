import { ConfigurationError } from '../platform/config/configuration-error';
import { loadOutboxOptions } from './outbox.options';

describe('loadOutboxOptions', () => {
  it('when nothing is set, then requests stay under the broker default of 1,048,588 bytes and parking needs 5 refusals', () => {
    const options = loadOutboxOptions({});
    expect(options.maxRequestBytes).toBeLessThan(1_048_588);
    expect(options.maxRequestBytes).toBeGreaterThan(options.maxMessageBytes);
    expect(options.maxAttempts).toBe(5);
  });

  it('when the request cap cannot hold the largest event alone, then the relay refuses to start and names the variable', () => {
    const load = () => loadOutboxOptions({ OUTBOX_MAX_MESSAGE_BYTES: '500000', OUTBOX_MAX_REQUEST_BYTES: '500500' });
    expect(load).toThrow(ConfigurationError);
    expect(load).toThrow(/OUTBOX_MAX_REQUEST_BYTES is invalid: .*at least OUTBOX_MAX_MESSAGE_BYTES \+ 1024 \(501024\)/);
  });

  it('when the request cap leaves room for the largest event, then both are taken', () => {
    expect(loadOutboxOptions({ OUTBOX_MAX_MESSAGE_BYTES: '500000', OUTBOX_MAX_REQUEST_BYTES: '501024' })).toMatchObject(
      {
        maxMessageBytes: 500_000,
        maxRequestBytes: 501_024,
      },
    );
  });

  it('when OUTBOX_MAX_ATTEMPTS is not a positive integer, then it is named', () => {
    expect(() => loadOutboxOptions({ OUTBOX_MAX_ATTEMPTS: '0' })).toThrow(/OUTBOX_MAX_ATTEMPTS is invalid/);
  });

  it.each(['-1', 'forever', '', 'Infinity'])(
    'when OUTBOX_RETENTION_HOURS is %p, then the relay refuses to start and names the variable',
    (value) => {
      expect(() => loadOutboxOptions({ OUTBOX_RETENTION_HOURS: value })).toThrow(/OUTBOX_RETENTION_HOURS is invalid/);
    },
  );

  it('when OUTBOX_RETENTION_HOURS is 0 or a fraction, then it is taken', () => {
    expect(loadOutboxOptions({ OUTBOX_RETENTION_HOURS: '0' }).retentionHours).toBe(0);
    expect(loadOutboxOptions({ OUTBOX_RETENTION_HOURS: '0.5' }).retentionHours).toBe(0.5);
  });

  it('when OUTBOX_PUBLISH_AFTER_COMMIT is not a boolean, then it is named; unset, the committing process publishes', () => {
    expect(() => loadOutboxOptions({ OUTBOX_PUBLISH_AFTER_COMMIT: 'sometimes' })).toThrow(
      /OUTBOX_PUBLISH_AFTER_COMMIT is invalid/,
    );
    expect(loadOutboxOptions({}).publishAfterCommit).toBe(true);
    expect(loadOutboxOptions({ OUTBOX_PUBLISH_AFTER_COMMIT: 'false' }).publishAfterCommit).toBe(false);
  });
});
