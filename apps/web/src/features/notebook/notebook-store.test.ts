import { describe, expect, it } from 'vitest';
import { createNotebookStore } from './notebook-store';

/** A store whose cells succeed unless listed as failing, recording the order they ran in. */
function storeWith(cellIds: string[], failing: string[] = []) {
  const store = createNotebookStore();
  const ran: string[] = [];
  for (const id of cellIds) {
    store.register(id, {
      run: async () => {
        ran.push(id);
        return !failing.includes(id);
      },
      cancel: async () => {},
    });
  }
  return { store, ran };
}

describe('runInOrder', () => {
  it('runs every cell in the order given', async () => {
    const { store, ran } = storeWith(['a', 'b', 'c']);
    await store.runInOrder(['a', 'b', 'c']);
    expect(ran).toEqual(['a', 'b', 'c']);
    expect(store.get().batch).toBeNull();
  });

  it('skips the cells that read a failed cell, and runs the ones that do not', async () => {
    const { store, ran } = storeWith(['a', 'b', 'c', 'd'], ['a']);
    const upstream: Record<string, string[]> = { b: ['a'], c: [], d: ['a', 'b'] };
    await store.runInOrder(['a', 'b', 'c', 'd'], (id) => upstream[id] ?? []);
    expect(ran).toEqual(['a', 'c']);
  });

  it('starts no further cell once the batch is stopped', async () => {
    const store = createNotebookStore();
    const ran: string[] = [];
    store.register('a', {
      run: async () => {
        ran.push('a');
        await store.cancelBatch();
        return false;
      },
      cancel: async () => {},
    });
    store.register('b', {
      run: async () => {
        ran.push('b');
        return true;
      },
      cancel: async () => {},
    });
    await store.runInOrder(['a', 'b']);
    expect(ran).toEqual(['a']);
  });

  it('does not start a second batch while one runs', async () => {
    const { store, ran } = storeWith(['a']);
    await Promise.all([store.runInOrder(['a']), store.runInOrder(['a'])]);
    expect(ran).toEqual(['a']);
  });
});

describe('renameInput', () => {
  it('keeps the value chosen for an input under its new name', () => {
    const store = createNotebookStore();
    store.setInputValue('region', 'EU');
    store.renameInput('region', 'area');
    expect(store.get().inputValues).toEqual({ area: 'EU' });
  });

  it('leaves the values alone when none was chosen for the input', () => {
    const store = createNotebookStore();
    store.setInputValue('other', 'x');
    const before = store.get();
    store.renameInput('region', 'area');
    expect(store.get()).toBe(before);
  });
});
