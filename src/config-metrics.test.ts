import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

describe('metrics configuration', () => {
  it('defaults: enabled, open, served on PORT only, 50 endpoint labels', () => {
    expect(loadConfig({}).metrics).toEqual({ enabled: true, token: undefined, port: undefined, endpointLabels: 50 });
  });

  it('parses every variable', () => {
    const env = { METRICS_ENABLED: 'false', METRICS_TOKEN: 'x'.repeat(16), METRICS_PORT: '9464', METRICS_ENDPOINT_LABELS: '0' };
    expect(loadConfig(env).metrics).toEqual({ enabled: false, token: 'x'.repeat(16), port: 9464, endpointLabels: 0 });
  });

  it('refuses a short token, a bad port, and METRICS_PORT equal to PORT', () => {
    expect(() => loadConfig({ METRICS_TOKEN: 'short' })).toThrow(ConfigError);
    expect(() => loadConfig({ METRICS_PORT: '70000' })).toThrow(ConfigError);
    expect(() => loadConfig({ METRICS_PORT: '3000' })).toThrow(/METRICS_PORT/);
    expect(loadConfig({ METRICS_PORT: '0', PORT: '0' }).metrics.port).toBe(0);
  });
});
