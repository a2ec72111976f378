import { ConfigurationError } from '@app/consistency';
import { loadConsoleConfig } from './console.config';

const valid: NodeJS.ProcessEnv = {
  CONSOLE_DATABASE_URL: 'postgres://console_service:s3cret@db:5432/console_service',
  CONSOLE_ORDER_READ_URL: 'postgres://console_reader:r3ader@db:5432/order_service',
  CONSOLE_INVENTORY_READ_URL: 'postgres://console_reader:r3ader@db:5432/inventory_service',
  CONSOLE_SHIPPING_READ_URL: 'postgres://console_reader:r3ader@db:5432/shipping_service',
  CONSOLE_NOTIFICATION_READ_URL: 'postgres://console_reader:r3ader@db:5432/notification_service',
  KAFKA_BROKERS: 'kafka:9092',
  AUTH_JWT_SECRET: 'a-development-secret-of-at-least-32-characters',
};

describe('console configuration', () => {
  it('when everything required is set, then the defaults fill the rest', () => {
    const config = loadConsoleConfig(valid);
    expect(config).toMatchObject({
      port: 3000,
      traceUrlTemplate: 'http://localhost:16686/trace/{traceId}',
      stallAfterSeconds: 30,
      serviceUrls: { order: 'http://127.0.0.1:3001', notification: 'http://127.0.0.1:3004' },
    });
  });

  it.each([
    [{ CONSOLE_DATABASE_URL: undefined }, 'CONSOLE_DATABASE_URL is required'],
    [{ CONSOLE_SHIPPING_READ_URL: undefined }, 'CONSOLE_SHIPPING_READ_URL is required'],
    [{ CONSOLE_TRACE_URL: 'http://jaeger/trace/' }, 'CONSOLE_TRACE_URL is invalid'],
    [{ CONSOLE_SERVICE_URLS: 'order=http://o:1' }, 'CONSOLE_SERVICE_URLS is invalid'],
    [{ KAFKA_BROKERS: 'no port' }, 'KAFKA_BROKERS is invalid'],
    [{ CONSOLE_INVARIANT_SETTLE_SECONDS: '-5' }, 'CONSOLE_INVARIANT_SETTLE_SECONDS is invalid'],
    [{ AUTH_JWT_SECRET: undefined }, 'AUTH_JWT_SECRET or AUTH_JWKS_URL is required'],
  ])('when %j, then it refuses to start naming the variable', (change, message) => {
    expect(() => loadConsoleConfig({ ...valid, ...change })).toThrow(ConfigurationError);
    expect(() => loadConsoleConfig({ ...valid, ...change })).toThrow(message);
  });

  it('when a URL with a password is malformed, then the error does not echo the password', () => {
    const attempt = () => loadConsoleConfig({ ...valid, CONSOLE_DATABASE_URL: 'postgres://u:hunter2@' });
    expect(attempt).toThrow(/CONSOLE_DATABASE_URL is invalid/);
    expect(attempt).not.toThrow(/hunter2/);
  });
});
