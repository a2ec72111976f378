/** The service's Kafka client (kafkajs `Kafka`), shared by its relay, consumer and health check. */
export const KAFKA = Symbol('KAFKA');
/** The service's Prometheus registry (prom-client `Registry`), served at `/metrics`. */
export const METRICS_REGISTRY = Symbol('METRICS_REGISTRY');
