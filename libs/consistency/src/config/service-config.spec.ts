import { loadServiceConfig } from './service-config';

const base = {
  SHIPPING_DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/shipping_service',
  KAFKA_BROKERS: '127.0.0.1:9092',
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
});
