import { generateMasterKey, loadVaultFromEnv, type Vault } from '@quarry/vault';
import { beforeAll, describe, expect, it } from 'vitest';
import { chunkContext, openChunkText, parseColumnsChunk, sealColumns, sealRows } from './chunk-format';

let vault: Vault;

beforeAll(() => {
  const loaded = loadVaultFromEnv({ QUARRY_MASTER_KEY: generateMasterKey() });
  if (!loaded.ok) throw new Error(loaded.error.message);
  vault = loaded.value;
});

describe('run chunks', () => {
  it('round-trips columns and rows through the vault', () => {
    const context = chunkContext('wsp_a', 'run_a', 3);
    const sealed = sealRows(vault, context, [['1', 'delivered', null]]);
    expect(sealed.includes(Buffer.from('delivered'))).toBe(false);
    expect(JSON.parse(openChunkText(vault, context, sealed))).toEqual([['1', 'delivered', null]]);
    const columns = [{ name: 'id', type: 'integer' as const, dbType: 'int8' }];
    expect(parseColumnsChunk(openChunkText(vault, context, sealColumns(vault, context, columns)))).toEqual(
      columns,
    );
  });

  it('refuses a chunk moved to another sequence number, run or workspace', () => {
    const sealed = sealRows(vault, chunkContext('wsp_a', 'run_a', 0), [[1]]);
    for (const context of [
      chunkContext('wsp_a', 'run_a', 1),
      chunkContext('wsp_a', 'run_b', 0),
      chunkContext('wsp_b', 'run_a', 0),
    ]) {
      expect(() => openChunkText(vault, context, sealed)).toThrow(/vault\.tampered/);
    }
  });
});
