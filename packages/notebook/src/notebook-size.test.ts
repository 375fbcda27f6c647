import { describe, expect, it } from 'vitest';
import { checkNotebookSize, MAX_NOTEBOOK_CELLS, MAX_NOTEBOOK_SOURCE, notebookSize } from './notebook-size';

describe('notebook size', () => {
  it('counts the cells and their source text', () => {
    expect(notebookSize([{ source: 'select 1' }, { source: '' }, { source: 'return 2' }])).toEqual({
      cells: 3,
      source: 16,
    });
  });

  it('lets a notebook reach its bounds and refuses one past them with notebook.too_large', () => {
    expect(checkNotebookSize({ cells: MAX_NOTEBOOK_CELLS, source: MAX_NOTEBOOK_SOURCE })).toBeNull();
    expect(checkNotebookSize({ cells: MAX_NOTEBOOK_CELLS + 1, source: 0 })).toMatchObject({
      code: 'notebook.too_large',
      details: { cells: MAX_NOTEBOOK_CELLS + 1, maxCells: MAX_NOTEBOOK_CELLS },
    });
    expect(checkNotebookSize({ cells: 1, source: MAX_NOTEBOOK_SOURCE + 1 })).toMatchObject({
      code: 'notebook.too_large',
      details: { source: MAX_NOTEBOOK_SOURCE + 1, maxSource: MAX_NOTEBOOK_SOURCE },
    });
  });

  it('lets a notebook already past a bound shrink, never grow', () => {
    const was = { cells: MAX_NOTEBOOK_CELLS + 5, source: MAX_NOTEBOOK_SOURCE + 10 };
    expect(checkNotebookSize({ cells: was.cells, source: was.source - 1 }, was)).toBeNull();
    expect(checkNotebookSize({ cells: was.cells - 1, source: was.source }, was)).toBeNull();
    expect(checkNotebookSize({ cells: was.cells + 1, source: was.source - 1 }, was)?.code).toBe(
      'notebook.too_large',
    );
    expect(checkNotebookSize({ cells: was.cells, source: was.source + 1 }, was)?.code).toBe(
      'notebook.too_large',
    );
  });
});
