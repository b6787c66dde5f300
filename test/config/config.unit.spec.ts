import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';

describe('configuration from the environment', () => {
  it('holds publishes back beyond 4 times the delivery concurrency by default, for at most 10 s', () => {
    expect(loadConfig({})).toMatchObject({ deliveryConcurrency: 256, publishBacklog: 1_024, publishMaxWaitMs: 10_000 });
    expect(loadConfig({ HOOKGATE_DELIVERY_CONCURRENCY: '64' }).publishBacklog).toBe(256);
  });

  it('takes the backlog and the longest wait as given; 0 turns backpressure off', () => {
    expect(loadConfig({ HOOKGATE_PUBLISH_BACKLOG: '0', HOOKGATE_PUBLISH_MAX_WAIT_MS: '2500' })).toMatchObject({
      publishBacklog: 0,
      publishMaxWaitMs: 2_500,
    });
  });

  it('refuses a bad value, naming the variable', () => {
    expect(() => loadConfig({ HOOKGATE_PUBLISH_BACKLOG: '-1' })).toThrow(/HOOKGATE_PUBLISH_BACKLOG/);
    expect(() => loadConfig({ HOOKGATE_PUBLISH_MAX_WAIT_MS: 'soon' })).toThrow(/HOOKGATE_PUBLISH_MAX_WAIT_MS/);
  });
});
