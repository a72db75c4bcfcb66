// @ts-expect-error: a plain ES module of the web console (web/console), without types
import { parseMetrics } from '../../web/console/metrics.js';

describe('web console: Prometheus text (the queue job counts)', () => {
  it('parses samples with and without labels, escaped quotes included', () => {
    const text = [
      '# HELP gus_model_call_duration_seconds Model calls',
      '# TYPE gus_model_call_duration_seconds histogram',
      'gus_model_call_duration_seconds_bucket{le="0.1",model="llama3.2:1b",outcome="ok"} 3',
      'gus_model_call_duration_seconds_bucket{le="+Inf",model="a \\"quoted\\" model",outcome="ok"} 4',
      'process_uptime_seconds 12.5',
      '',
    ].join('\n');
    expect(parseMetrics(text)).toEqual([
      { name: 'gus_model_call_duration_seconds_bucket', labels: { le: '0.1', model: 'llama3.2:1b', outcome: 'ok' }, value: 3 },
      { name: 'gus_model_call_duration_seconds_bucket', labels: { le: '+Inf', model: 'a "quoted" model', outcome: 'ok' }, value: 4 },
      { name: 'process_uptime_seconds', labels: {}, value: 12.5 },
    ]);
  });
});
