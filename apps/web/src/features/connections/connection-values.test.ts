import type { ConnectorKindInfo } from '@quarry/contracts';
import { describe, expect, it } from 'vitest';
import { initialValues, payloadOf } from './connection-values';

const KIND: ConnectorKindInfo = {
  kind: 'postgres',
  label: 'PostgreSQL',
  tier: 1,
  dialect: 'postgresql',
  features: { schemaBrowsing: true, chartCells: true, ctePushDown: true, ssh: false, tls: true },
  defaultPort: 5432,
  tls: { requirement: 'required', modes: ['disable', 'require'], default: 'require' },
  fields: [
    { name: 'host', label: 'Host', section: 'connection', input: 'text', required: true, secret: false },
    {
      name: 'port',
      label: 'Port',
      section: 'connection',
      input: 'integer',
      required: false,
      secret: false,
      default: 5432,
    },
    {
      name: 'sslMode',
      label: 'SSL/TLS',
      section: 'tls',
      input: 'select',
      required: false,
      secret: false,
      default: 'require',
    },
    {
      name: 'password',
      label: 'Password',
      section: 'credentials',
      input: 'secret',
      required: false,
      secret: true,
    },
  ],
};

describe('initialValues', () => {
  it('starts a new connection from the kind’s defaults', () => {
    expect(initialValues(KIND)).toEqual({ host: '', port: '5432', sslMode: 'require', password: '' });
  });

  it('starts an edit from the saved settings and never from a secret', () => {
    const saved = { host: 'db.example.com', port: 6432, sslMode: 'disable', password: 'leaked?' };
    expect(initialValues(KIND, saved)).toEqual({
      host: 'db.example.com',
      port: '6432',
      sslMode: 'disable',
      password: '',
    });
  });
});

describe('payloadOf', () => {
  it('sends integers as numbers, trims text and leaves blank settings out', () => {
    expect(payloadOf(KIND, { host: ' db.example.com ', port: '6432', sslMode: '', password: '' })).toEqual({
      settings: { host: 'db.example.com', port: 6432 },
      secrets: {},
    });
  });

  it('sends a typed secret as typed and keeps the stored one when blank', () => {
    const typed = 'p4ss with spaces ';
    expect(payloadOf(KIND, { host: 'h', port: '', sslMode: 'require', password: typed }).secrets).toEqual({
      password: typed,
    });
  });

  it('sends a port that is not a whole number as typed, for the server to refuse beside the field', () => {
    expect(payloadOf(KIND, { host: 'h', port: '54x', sslMode: '', password: '' }).settings.port).toBe('54x');
  });
});

describe('a switch setting', () => {
  const kind = {
    kind: 'postgres',
    label: 'PostgreSQL',
    tier: 1 as const,
    dialect: 'postgresql' as const,
    features: { schemaBrowsing: true, chartCells: true, ctePushDown: true, ssh: true, tls: true },
    defaultPort: 5432,
    tls: { requirement: 'required' as const, modes: ['require'], default: 'require' },
    fields: [
      {
        name: 'passIdentity',
        label: "Pass the reader's identity",
        section: 'credentials' as const,
        input: 'switch' as const,
        required: false,
        secret: false,
        default: false,
      },
    ],
  };

  it('starts from its default and sends a boolean, on or off', () => {
    const values = initialValues(kind);
    expect(values).toEqual({ passIdentity: 'false' });
    expect(payloadOf(kind, values).settings).toEqual({ passIdentity: false });
    expect(payloadOf(kind, { passIdentity: 'true' }).settings).toEqual({ passIdentity: true });
    expect(initialValues(kind, { passIdentity: true })).toEqual({ passIdentity: 'true' });
  });
});
