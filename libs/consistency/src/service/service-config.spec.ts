import { loadServiceConfig } from './service-config';
import { defineService } from './service-manifest';

const shipping = defineService({
  name: 'shipping',
  defaultPort: 3003,
  consumes: [],
  migrations: [],
  faultPoints: ['shipping.carrier-timeout'],
  patterns: {},
});
const order = defineService({ name: 'order', defaultPort: 3001, consumes: [], migrations: [], patterns: {} });

const base = {
  SHIPPING_DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/shipping_service',
  KAFKA_BROKERS: '127.0.0.1:9092',
  AUTH_JWT_SECRET: 'a-test-secret-of-at-least-32-characters',
};

describe('loadServiceConfig', () => {
  it('when only the required variables are set, then the service gets its default port', () => {
    const config = loadServiceConfig(shipping, base);
    expect(config).toMatchObject({
      service: 'shipping',
      port: 3003,
      databaseUrl: base.SHIPPING_DATABASE_URL,
      kafkaBrokers: ['127.0.0.1:9092'],
      nodeEnv: 'development',
    });
  });

  it("when another service's database URL is set, then it is not taken for this one", () => {
    expect(() => loadServiceConfig(order, base)).toThrow('ORDER_DATABASE_URL is required but not set');
  });

  it('when LOG_LEVEL is not a pino level, then the error lists the choices', () => {
    expect(() => loadServiceConfig(shipping, { ...base, LOG_LEVEL: 'verbose' })).toThrow(/LOG_LEVEL is invalid/);
  });

  it.each([
    ['LOG_FORMAT', 'xml'],
    ['IDEMPOTENCY_KEY_FROM_REQUEST_ID', 'maybe'],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', 'not a url'],
  ])('when %s is %p, then the service refuses to start and names it', (name, value) => {
    expect(() => loadServiceConfig(shipping, { ...base, [name]: value })).toThrow(new RegExp(`${name} is invalid`));
  });

  it('when fault injection is not asked for, then it is off and nothing is armed', () => {
    expect(loadServiceConfig(shipping, base).faults).toEqual({ enabled: false, armed: new Map() });
  });

  it('when FAULT_POINTS arms a point, then fault injection is on with that point armed', () => {
    const { faults } = loadServiceConfig(shipping, {
      ...base,
      NODE_ENV: 'test',
      FAULT_POINTS: 'shipping.carrier-timeout:throw',
    });
    expect(faults).toEqual({ enabled: true, armed: new Map([['shipping.carrier-timeout', { kind: 'throw' }]]) });
  });

  it.each([
    ['FAULT_INJECTION', 'true', 'production', '"production"'],
    ['FAULT_POINTS', 'outbox.after-publish-before-mark:throw', 'production', '"production"'],
    ['FAULT_INJECTION', 'true', undefined, 'unset'],
  ])(
    'when %s is set with NODE_ENV=%s, then the service refuses to start and names it',
    (name, value, nodeEnv, shown) => {
      expect(() => loadServiceConfig(shipping, { ...base, NODE_ENV: nodeEnv, [name]: value })).toThrow(
        `${name} is invalid: fault injection needs NODE_ENV set to development or test (it is ${shown})`,
      );
    },
  );

  it('when NODE_ENV is development or test, then fault injection may be switched on', () => {
    for (const nodeEnv of ['development', 'test']) {
      expect(loadServiceConfig(shipping, { ...base, NODE_ENV: nodeEnv, FAULT_INJECTION: 'true' }).faults.enabled).toBe(
        true,
      );
    }
  });

  it('when NODE_ENV is production, then /docs is off unless HTTP_DOCS_ENABLED asks for it', () => {
    expect(loadServiceConfig(shipping, { ...base, NODE_ENV: 'production' }).docs).toBe(false);
    expect(loadServiceConfig(shipping, { ...base, NODE_ENV: 'production', HTTP_DOCS_ENABLED: 'true' }).docs).toBe(true);
    expect(loadServiceConfig(shipping, base).docs).toBe(true);
  });

  it('when the database URL is malformed, then the error names the variable and never shows its password', () => {
    const attempt = () =>
      loadServiceConfig(shipping, { ...base, SHIPPING_DATABASE_URL: 'postgres://svc:hunter2-secret@db:5432 /x' });
    expect(attempt).toThrow(/SHIPPING_DATABASE_URL is invalid/);
    expect(attempt).not.toThrow(/hunter2-secret/);
  });

  it.each([
    ['LOCK_MAX_TTL_MS', '0'],
    ['DB_POOL_SIZE', '-1'],
    ['DB_LOCK_TIMEOUT_MS', 'soon'],
  ])('when %s is %s, then the service refuses to start and names it', (name, value) => {
    expect(() => loadServiceConfig(shipping, { ...base, [name]: value })).toThrow(`${name} is invalid`);
  });
});
