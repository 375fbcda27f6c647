import { useCallback, useEffect, useRef, useState } from 'react';
import { useNotebookStore } from './notebook-store';

/**
 * A cell's text in its editor, kept in the notebook's drafts (stale markers and the graph read
 * them). When the server's text changes under it (a rename rewrote a reference, a save from
 * elsewhere) and nothing was typed since, the editor takes the server's text.
 */
export function useCellSource(cellId: string, serverSource: string) {
  const store = useNotebookStore();
  const [source, setSource] = useState(serverSource);
  const current = useRef(serverSource);
  const known = useRef(serverSource);

  useEffect(() => {
    if (serverSource === known.current) return;
    const before = known.current;
    known.current = serverSource;
    if (current.current !== before) return;
    current.current = serverSource;
    setSource(serverSource);
    store.setDraft(cellId, serverSource);
  }, [serverSource, cellId, store]);

  const edit = useCallback(
    (next: string) => {
      current.current = next;
      setSource(next);
      store.setDraft(cellId, next);
    },
    [cellId, store],
  );

  return [source, edit] as const;
}
