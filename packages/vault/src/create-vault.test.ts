import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createVault, type Vault } from './create-vault';
import type { Kek } from './kek';
import { kekIdFor } from './kek-id-for';
import type { Result } from './result';
import type { VaultContext } from './vault-context';
import type { VaultError, VaultErrorCode } from './vault-error';

const newKek = (): Kek => {
  const key = randomBytes(32);
  return { id: kekIdFor(key), key };
};

const vaultOf = (active: Kek, ...previous: Kek[]): Vault =>
  createVault({ keys: [active, ...previous], activeKeyId: active.id });

const context: VaultContext = {
  workspaceId: 'wsp_acme',
  recordId: 'con_warehouse',
  purpose: 'connection.password',
};

const errorCode = <T>(result: Result<T, VaultError>): VaultErrorCode | 'ok' =>
  result.ok ? 'ok' : result.error.code;

const unwrapOk = <T>(result: Result<T, VaultError>): T => {
  if (!result.ok) throw new Error(`expected ok, got ${result.error.code}: ${result.error.message}`);
  return result.value;
};

describe('createVault', () => {
  describe('round trips', () => {
    const vault = vaultOf(newKek());

    it('opens a sealed string as the same string', () => {
      const record = vault.seal('s3cr3t-pässwörd 🔑', context);
      expect(unwrapOk(vault.openText(record, context))).toBe('s3cr3t-pässwörd 🔑');
    });

    it('keeps a leading byte order mark in a sealed string', () => {
      const record = vault.seal('\uFEFFtext', context);
      expect(unwrapOk(vault.openText(record, context))).toBe('\uFEFFtext');
    });

    it('opens sealed binary data as the same bytes', () => {
      const plaintext = Uint8Array.from([0, 1, 2, 254, 255, 0]);
      const record = vault.seal(plaintext, context);
      expect(unwrapOk(vault.open(record, context))).toEqual(Buffer.from(plaintext));
    });

    it('round-trips an empty plaintext, as bytes and as text', () => {
      expect(unwrapOk(vault.open(vault.seal(new Uint8Array(0), context), context))).toHaveLength(0);
      expect(unwrapOk(vault.openText(vault.seal('', context), context))).toBe('');
    });

    it('round-trips a 5 MB plaintext', () => {
      const plaintext = randomBytes(5 * 1024 * 1024);
      const record = vault.seal(plaintext, context);
      expect(record.length).toBe(plaintext.length + 2 + 20 + 60 + 28);
      expect(unwrapOk(vault.open(record, context)).equals(plaintext)).toBe(true);
    });

    it('opens a record passed as a Uint8Array view into a larger buffer', () => {
      const record = vault.seal('inside a bigger buffer', context);
      const padded = new Uint8Array(record.length + 10);
      padded.set(record, 5);
      const view = padded.subarray(5, 5 + record.length);
      expect(unwrapOk(vault.openText(view, context))).toBe('inside a bigger buffer');
    });

    it('refuses to open binary data as text with vault.bad_format', () => {
      const record = vault.seal(Uint8Array.from([0xff, 0xfe, 0xfd]), context);
      expect(errorCode(vault.openText(record, context))).toBe('vault.bad_format');
    });

    it('throws on a plaintext string with a lone surrogate instead of silently altering it', () => {
      expect(() => vault.seal('bad \uD800 text', context)).toThrow(TypeError);
    });
  });

  describe('the record', () => {
    const kek = newKek();
    const vault = vaultOf(kek);

    it('starts with version 0x01, the KEK id length and the KEK id', () => {
      const record = vault.seal('x', context);
      expect(record[0]).toBe(0x01);
      expect(record[1]).toBe(kek.id.length);
      expect(record.subarray(2, 2 + kek.id.length).toString('ascii')).toBe(kek.id);
    });

    it('differs between two seals of the same plaintext, in wrapped key, IVs and ciphertext', () => {
      const first = vault.seal('same secret', context);
      const second = vault.seal('same secret', context);
      expect(first.equals(second)).toBe(false);
      const idEnd = 2 + kek.id.length;
      const wrapped = (record: Buffer) => record.subarray(idEnd, idEnd + 60);
      const body = (record: Buffer) => record.subarray(idEnd + 60);
      expect(wrapped(first).equals(wrapped(second))).toBe(false);
      expect(first.subarray(idEnd + 60, idEnd + 72).equals(second.subarray(idEnd + 60, idEnd + 72))).toBe(
        false,
      );
      expect(body(first).equals(body(second))).toBe(false);
    });

    it('does not contain the plaintext', () => {
      const record = vault.seal('find-me-if-you-can', context);
      expect(record.includes(Buffer.from('find-me-if-you-can'))).toBe(false);
    });

    it('reports its KEK id without decrypting', () => {
      expect(unwrapOk(vault.keyIdOf(vault.seal('x', context)))).toBe(kek.id);
    });
  });

  describe('tampering', () => {
    const kek = newKek();
    const vault = vaultOf(kek);
    const record = vault.seal('hunter2', context);
    const kekIdEnd = 2 + kek.id.length;

    it('refuses a record with any single bit flipped, at every byte position', () => {
      let checked = 0;
      for (let position = 0; position < record.length; position++) {
        for (let bit = 0; bit < 8; bit++) {
          const altered = Buffer.from(record);
          altered[position] = (altered[position] ?? 0) ^ (1 << bit);
          const result = vault.open(altered, context);
          expect(result.ok, `byte ${position} bit ${bit} opened`).toBe(false);
          // A flipped version, length or KEK id byte is caught before decryption: the record no
          // longer parses, or it names a key this vault does not hold. Everything after is caught
          // by a GCM tag.
          const expected: VaultErrorCode[] =
            position < kekIdEnd ? ['vault.bad_format', 'vault.unknown_key'] : ['vault.tampered'];
          expect(expected, `byte ${position} bit ${bit}`).toContain(errorCode(result));
          checked++;
        }
      }
      expect(checked).toBe(record.length * 8);
    });

    it('refuses every truncation of a record', () => {
      for (let length = 0; length < record.length; length++) {
        const code = errorCode(vault.open(record.subarray(0, length), context));
        expect(['vault.bad_format', 'vault.tampered'], `length ${length}`).toContain(code);
      }
    });

    it('refuses a record with bytes appended', () => {
      const extended = Buffer.concat([record, Buffer.from([0])]);
      expect(errorCode(vault.open(extended, context))).toBe('vault.tampered');
    });

    it('refuses a record whose body was swapped for the body of another record with the same context', () => {
      const other = vault.seal('hunter3', context);
      const spliced = Buffer.concat([record.subarray(0, kekIdEnd + 60), other.subarray(kekIdEnd + 60)]);
      expect(errorCode(vault.open(spliced, context))).toBe('vault.tampered');
    });

    it.each([
      ['an empty buffer', new Uint8Array(0)],
      ['one byte', Uint8Array.from([1])],
      ['an unknown version', Uint8Array.from([2, ...record.subarray(1)])],
      ['a zero-length KEK id', Uint8Array.from([1, 0, ...randomBytes(200)])],
      ['random bytes', randomBytes(300)],
      ['text', Buffer.from('not a record at all, just some text that is long enough to parse as one maybe')],
    ])('answers vault.bad_format or another typed error, never a throw, for %s', (_name, bytes) => {
      const result = vault.open(bytes, context);
      expect(result.ok).toBe(false);
      expect(['vault.bad_format', 'vault.unknown_key']).toContain(errorCode(result));
      expect(vault.keyIdOf(bytes).ok).toBe(errorCode(result) === 'vault.unknown_key');
    });
  });

  describe('context binding', () => {
    const vault = vaultOf(newKek());
    const record = vault.seal('hunter2', context);

    it.each([
      ['another workspaceId', { ...context, workspaceId: 'wsp_other' }],
      ['another recordId', { ...context, recordId: 'con_other' }],
      ['another purpose', { ...context, purpose: 'connection.private_key' }],
      [
        'fields shifted between each other',
        { workspaceId: 'wsp_acmecon', recordId: '_warehouse', purpose: context.purpose },
      ],
    ])('refuses to open a record with %s, as vault.tampered', (_name, otherContext) => {
      expect(errorCode(vault.open(record, otherContext))).toBe('vault.tampered');
      expect(errorCode(vault.rewrap(record, otherContext))).toBe('vault.tampered');
    });

    it('refuses a record copied into another workspace, even under the same record id and purpose', () => {
      const otherWorkspace = { ...context, workspaceId: 'wsp_evil' };
      const stolen = Buffer.from(record);
      expect(errorCode(vault.open(stolen, otherWorkspace))).toBe('vault.tampered');
      expect(unwrapOk(vault.openText(record, context))).toBe('hunter2');
    });

    it.each([
      ['an empty workspaceId', { ...context, workspaceId: '' }],
      ['an empty recordId', { ...context, recordId: '' }],
      ['an empty purpose', { ...context, purpose: '' }],
      ['a lone surrogate', { ...context, purpose: '\uDC00' }],
    ])('answers vault.context_mismatch for %s, and seal throws on it', (_name, badContext) => {
      expect(errorCode(vault.open(record, badContext))).toBe('vault.context_mismatch');
      expect(errorCode(vault.rewrap(record, badContext))).toBe('vault.context_mismatch');
      expect(() => vault.seal('x', badContext)).toThrow(TypeError);
    });
  });

  describe('keys', () => {
    it('refuses a record sealed under a key it does not hold with vault.unknown_key', () => {
      const record = vaultOf(newKek()).seal('hunter2', context);
      const result = vaultOf(newKek()).open(record, context);
      expect(errorCode(result)).toBe('vault.unknown_key');
    });

    it('refuses a record whose KEK id names a known key that did not wrap it with vault.tampered', () => {
      const real = newKek();
      const impostor: Kek = { id: real.id, key: randomBytes(32) };
      const record = vaultOf(real).seal('hunter2', context);
      expect(errorCode(vaultOf(impostor).open(record, context))).toBe('vault.tampered');
    });

    it('refuses a malformed keyring', () => {
      const kek = newKek();
      expect(() => createVault({ keys: [kek], activeKeyId: 'kek_missing' })).toThrow(TypeError);
      expect(() => createVault({ keys: [kek, kek], activeKeyId: kek.id })).toThrow(TypeError);
      expect(() => createVault({ keys: [{ id: 'k', key: randomBytes(31) }], activeKeyId: 'k' })).toThrow(
        TypeError,
      );
      expect(() =>
        createVault({ keys: [{ id: 'with space', key: randomBytes(32) }], activeKeyId: 'with space' }),
      ).toThrow(TypeError);
      expect(() => createVault({ keys: [{ id: '', key: randomBytes(32) }], activeKeyId: '' })).toThrow(
        TypeError,
      );
    });

    it("keeps its own copy of the keys, so zeroing the caller's buffer does not break it", () => {
      const kek = newKek();
      const vault = vaultOf(kek);
      const record = vault.seal('hunter2', context);
      kek.key.fill(0);
      expect(unwrapOk(vault.openText(record, context))).toBe('hunter2');
    });
  });

  describe('rotation', () => {
    it('opens an old record after rotation, re-wraps it to the new key, and then needs only the new key', () => {
      const oldKek = newKek();
      const newKekValue = newKek();
      const record = vaultOf(oldKek).seal('hunter2', context);
      const notYetRewrapped = vaultOf(oldKek).seal('hunter3', context);

      const rotating = vaultOf(newKekValue, oldKek);
      expect(rotating.activeKeyId).toBe(newKekValue.id);
      expect(unwrapOk(rotating.openText(record, context))).toBe('hunter2');

      const rewrapped = unwrapOk(rotating.rewrap(record, context));
      expect(unwrapOk(rotating.keyIdOf(rewrapped))).toBe(newKekValue.id);
      expect(unwrapOk(rotating.openText(rewrapped, context))).toBe('hunter2');

      const rotated = vaultOf(newKekValue);
      expect(unwrapOk(rotated.openText(rewrapped, context))).toBe('hunter2');
      const refused = rotated.open(notYetRewrapped, context);
      expect(errorCode(refused)).toBe('vault.unknown_key');
      expect(refused.ok ? '' : refused.error.message).toContain(oldKek.id);
    });

    it('re-wraps without touching the body bytes', () => {
      const oldKek = newKek();
      const newKekValue = newKek();
      const record = vaultOf(oldKek).seal(randomBytes(1000), context);
      const rewrapped = unwrapOk(vaultOf(newKekValue, oldKek).rewrap(record, context));
      const body = (bytes: Buffer, kekIdLength: number) => bytes.subarray(2 + kekIdLength + 60);
      expect(body(rewrapped, newKekValue.id.length).equals(body(record, oldKek.id.length))).toBe(true);
      expect(
        rewrapped
          .subarray(0, 2 + newKekValue.id.length + 60)
          .equals(record.subarray(0, 2 + oldKek.id.length + 60)),
      ).toBe(false);
    });

    it('re-wraps a record whose KEK id has a different length from the active one', () => {
      const oldKek: Kek = { id: 'legacy-1', key: randomBytes(32) };
      const newKekValue = newKek();
      const record = vaultOf(oldKek).seal('hunter2', context);
      const rewrapped = unwrapOk(vaultOf(newKekValue, oldKek).rewrap(record, context));
      expect(unwrapOk(vaultOf(newKekValue).openText(rewrapped, context))).toBe('hunter2');
    });

    it('returns an unchanged copy when re-wrapping a record already under the active key', () => {
      const vault = vaultOf(newKek());
      const record = vault.seal('hunter2', context);
      const again = unwrapOk(vault.rewrap(record, context));
      expect(again.equals(record)).toBe(true);
      expect(again).not.toBe(record);
      again[again.length - 1] = (again[again.length - 1] ?? 0) ^ 1;
      expect(unwrapOk(vault.openText(record, context))).toBe('hunter2');
    });

    it('refuses to re-wrap a record with an altered wrapped key, even when it is already under the active key', () => {
      const kek = newKek();
      const record = vaultOf(kek).seal('hunter2', context);
      const altered = Buffer.from(record);
      const position = 2 + kek.id.length + 20;
      altered[position] = (altered[position] ?? 0) ^ 1;
      expect(errorCode(vaultOf(kek).rewrap(altered, context))).toBe('vault.tampered');
      expect(errorCode(vaultOf(newKek(), kek).rewrap(altered, context))).toBe('vault.tampered');
    });

    it('refuses to re-wrap a record sealed under a key it does not hold with vault.unknown_key', () => {
      const record = vaultOf(newKek()).seal('hunter2', context);
      expect(errorCode(vaultOf(newKek()).rewrap(record, context))).toBe('vault.unknown_key');
    });

    it('finishes a rotation interrupted midway when it is resumed by a new vault instance', () => {
      const oldKek = newKek();
      const newKekValue = newKek();
      const sealing = vaultOf(oldKek);
      const rows = Array.from({ length: 10 }, (_, index) => {
        const rowContext = { ...context, recordId: `con_${index}` };
        return {
          context: rowContext,
          plaintext: `secret ${index}`,
          record: sealing.seal(`secret ${index}`, rowContext),
        };
      });

      // First run: re-wraps half the rows, then the process dies.
      const firstRun = vaultOf(newKekValue, oldKek);
      for (const row of rows.slice(0, 5)) row.record = unwrapOk(firstRun.rewrap(row.record, row.context));

      // Second run, a fresh instance: walks every row again; already re-wrapped rows are no-ops.
      const secondRun = vaultOf(newKekValue, oldKek);
      for (const row of rows) {
        const before = Buffer.from(row.record);
        const wasDone = unwrapOk(secondRun.keyIdOf(row.record)) === newKekValue.id;
        row.record = unwrapOk(secondRun.rewrap(row.record, row.context));
        expect(row.record.equals(before)).toBe(wasDone);
      }

      // A third pass changes nothing.
      const thirdRun = vaultOf(newKekValue, oldKek);
      for (const row of rows)
        expect(unwrapOk(thirdRun.rewrap(row.record, row.context)).equals(row.record)).toBe(true);

      const newOnly = vaultOf(newKekValue);
      for (const row of rows) {
        expect(unwrapOk(newOnly.keyIdOf(row.record))).toBe(newKekValue.id);
        expect(unwrapOk(newOnly.openText(row.record, row.context))).toBe(row.plaintext);
      }
    });
  });
});
