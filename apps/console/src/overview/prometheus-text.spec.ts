import { histogramBuckets, parsePrometheusText, quantileBetween } from './prometheus-text';

describe('prometheus text', () => {
  const text = (counts: [number, number, number]) => `# HELP saga_duration_seconds x
# TYPE saga_duration_seconds histogram
saga_duration_seconds_bucket{le="0.1",outcome="COMPLETED"} ${counts[0]}
saga_duration_seconds_bucket{le="1",outcome="COMPLETED"} ${counts[1]}
saga_duration_seconds_bucket{le="+Inf",outcome="COMPLETED"} ${counts[2]}
saga_duration_seconds_count{outcome="COMPLETED"} ${counts[2]}
`;

  it('when two scrapes of a histogram are compared, then the quantile is of the observations between them', () => {
    const before = histogramBuckets(parsePrometheusText(text([10, 10, 10])), 'saga_duration_seconds');
    const after = histogramBuckets(parsePrometheusText(text([10, 20, 20])), 'saga_duration_seconds');
    // Ten new observations, all between 0.1 and 1 s: the median is halfway through that bucket.
    expect(quantileBetween(before, after, 0.5)).toBeCloseTo(0.55);
    expect(quantileBetween(after, after, 0.5)).toBeUndefined();
  });

  it('when labels hold escaped quotes, then they are read whole', () => {
    expect(parsePrometheusText('m{a="x\\"y",b="z"} 3')).toEqual([
      { name: 'm', labels: { a: 'x"y', b: 'z' }, value: 3 },
    ]);
  });
});
