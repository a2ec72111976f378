import { ConfigurationError } from '@app/consistency';
import { infraSettings } from './settings';

describe('infraSettings', () => {
  it('when nothing is set, then the embedded servers get three partitions per topic', () => {
    expect(infraSettings({})).toMatchObject({ partitions: 3, externalBrokers: undefined });
  });

  it.each(['0', '-2', '1.5', 'many'])('when KAFKA_PARTITIONS is %p, then infra refuses it by name', (value) => {
    const load = () => infraSettings({ KAFKA_PARTITIONS: value });
    expect(load).toThrow(ConfigurationError);
    expect(load).toThrow(/KAFKA_PARTITIONS is invalid/);
  });
});
