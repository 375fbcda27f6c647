import { describe, expect, it } from 'vitest';
import { PostgresSettings } from '../postgres/kind';
import { cpuMs } from '../testing/cpu-time';
import { certificateProblem, pemBlocks } from '../tls/pem-text';

// A CA or client certificate is pasted text of up to 512 KB, checked in the API on every save and
// test (any member who may test a project connection) and split again by the runner at connect.
// A text of nothing but BEGIN lines must not hold the event loop.
describe('certificate text written to stall the API', () => {
  const stall = (unit: string) => unit.repeat(Math.ceil((512 * 1024) / unit.length)).slice(0, 512 * 1024 - 1);

  it.each([['-----BEGIN A-----'], ['-----BEGIN CERTIFICATE-----\n'], ['-----BEGIN A-----END B-----']])(
    'answers 512 KB of %j at once, refused',
    (unit) => {
      const text = stall(unit);
      const used = cpuMs(() => {
        expect(certificateProblem(text, 'CA certificate')).not.toBeNull();
        const parsed = PostgresSettings.safeParse({
          host: 'db.example.com',
          database: 'analytics',
          username: 'reader',
          sslMode: 'verify-ca',
          caCertificate: text,
          clientCertificate: text,
        });
        expect(parsed.success).toBe(false);
      });
      // The regular expression took 5–9 s for one such field.
      expect(used).toBeLessThan(1_000);
    },
  );

  it('splits text into the same blocks the lazy BEGIN…END regular expression did', () => {
    const old = (text: string) =>
      [...text.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g)].map((m) => ({
        label: m[1] ?? '',
        pem: m[0],
      }));
    const pieces = ['-----BEGIN ', '-----END ', 'A', 'B', 'CERTIFICATE', '-----', '-', '\n', 'xyz', ' '];
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let n = 0; n < 20_000; n++) {
      const length = 1 + Math.floor(random() * 14);
      const text = Array.from({ length }, () => pieces[Math.floor(random() * pieces.length)]).join('');
      expect(pemBlocks(text), JSON.stringify(text)).toEqual(old(text));
    }
    const bundle =
      '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----\n';
    expect(pemBlocks(bundle).map((b) => b.pem)).toEqual(old(bundle).map((b) => b.pem));
    expect(pemBlocks(bundle)).toHaveLength(2);
  });
});
