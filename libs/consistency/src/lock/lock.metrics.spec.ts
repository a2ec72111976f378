import { Registry } from 'prom-client';
import { lockEntity, LockMetrics } from './lock.metrics';

describe('LockMetrics', () => {
  it('when a key is business-scoped, then its entity is the label, never its id', () => {
    expect(lockEntity('lock:shipment:8e03978e-40d5-43e8-bc93-6894a57f9324')).toBe('shipment');
  });

  it('when an entity is first used, then every outcome and the expirations exist from zero', async () => {
    const registry = new Registry();
    new LockMetrics(registry).known('shipment');
    const text = await registry.metrics();
    for (const outcome of ['acquired', 'failed', 'stale-fence']) {
      expect(text).toContain(`lock_acquisitions_total{entity="shipment",outcome="${outcome}"} 0`);
    }
    expect(text).toContain('lock_lease_expirations_total{entity="shipment"} 0');
  });

  it('when a holder outlives its TTL, then the hold lands past 1 in the ratio and the expiration is counted', async () => {
    const registry = new Registry();
    const metrics = new LockMetrics(registry);
    metrics.released('shipment', 300, 1000, false);
    metrics.released('shipment', 1500, 1000, true);
    const text = await registry.metrics();
    expect(text).toContain('lock_held_ttl_ratio_bucket{le="0.5",entity="shipment"} 1');
    expect(text).toContain('lock_held_ttl_ratio_bucket{le="1.5",entity="shipment"} 2');
    expect(text).toContain('lock_held_ttl_ratio_bucket{le="1",entity="shipment"} 1');
    expect(text).toContain('lock_lease_expirations_total{entity="shipment"} 1');
  });
});
