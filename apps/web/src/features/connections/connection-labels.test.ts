import { describe, expect, it } from 'vitest';
import { featureLabels } from './connection-labels';

describe('featureLabels', () => {
  it("lists a kind's features with its TLS requirement in the seed's words, leaving out absent ones", () => {
    const labels = featureLabels({
      features: { schemaBrowsing: true, chartCells: true, ctePushDown: false, ssh: true, tls: true },
      tls: { requirement: 'required', modes: ['require'], default: 'require' },
    });
    expect(labels).toEqual(['Schema browsing', 'Chart cells', 'SSH tunnel', 'SSL/TLS required']);
  });

  it('says a configurable TLS is configurable', () => {
    const labels = featureLabels({
      features: { schemaBrowsing: false, chartCells: false, ctePushDown: false, ssh: false, tls: true },
      tls: { requirement: 'configurable', modes: ['disable', 'require'], default: 'disable' },
    });
    expect(labels).toEqual(['SSL/TLS configurable']);
  });
});
