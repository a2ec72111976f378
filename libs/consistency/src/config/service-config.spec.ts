import { loadServiceConfig } from './service-config';

const base = {
  SHIPPING_DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/shipping_service',
  KAFKA_BROKERS: '127.0.0.1:9092',
  AUTH_JWT_SECRET: 'a-test-secret-of-at-least-32-characters',
};

describe('loadServiceConfig', () => {
  it('when only the required variables are set, then the service gets its default port', () => {
    const config = loadServiceConfig('shipping', base);
    expect(config).toMatchObject({
      service: 'shipping',
      port: 3003,
      databaseUrl: base.SHIPPING_DATABASE_URL,
      kafkaBrokers: ['127.0.0.1:9092'],
      nodeEnv: 'development',
    });
  });

  it("when another service's database URL is set, then it is not taken for this one", () => {
    expect(() => loadServiceConfig('order', base)).toThrow('ORDER_DATABASE_URL is required but not set');
  });

  it('when LOG_LEVEL is not a pino level, then the error lists the choices', () => {
    expect(() => loadServiceConfig('shipping', { ...base, LOG_LEVEL: 'verbose' })).toThrow(/LOG_LEVEL is invalid/);
  });

  it('when fault injection is not asked for, then it is off and nothing is armed', () => {
    expect(loadServiceConfig('shipping', base).faults).toEqual({ enabled: false, armed: new Map() });
  });

  it('when FAULT_POINTS arms a point, then fault injection is on with that point armed', () => {
    const { faults } = loadServiceConfig('shipping', { ...base, FAULT_POINTS: 'shipping.carrier-timeout:throw' });
    expect(faults).toEqual({ enabled: true, armed: new Map([['shipping.carrier-timeout', { kind: 'throw' }]]) });
  });

  it.each([
    ['FAULT_INJECTION', 'true'],
    ['FAULT_POINTS', 'outbox.after-publish-before-mark:throw'],
  ])('when %s is set with NODE_ENV=production, then the service refuses to start and names it', (name, value) => {
    expect(() => loadServiceConfig('shipping', { ...base, NODE_ENV: 'production', [name]: value })).toThrow(
      `${name} is invalid: fault injection is not available when NODE_ENV=production`,
    );
  });
});
