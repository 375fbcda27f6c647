import { type QueryClient, useMutation, useQueryClient } from '@tanstack/react-query';
import { useCallback, useRef } from 'react';
import { trpc } from '../../trpc';

/**
 * Saves a cell's SQL when it changed since the last save (or the last run, which saves it too),
 * and keeps the cached project in step so coming back to the page shows what was saved.
 */
export function useSaveCell(input: { projectId: string; cellId: string; initialSource: string }) {
  const { projectId, cellId } = input;
  const queryClient = useQueryClient();
  const saved = useRef(input.initialSource);
  const update = useMutation(trpc.projects.updateCell.mutationOptions());
  const { mutate } = update;

  const markSaved = useCallback(
    (source: string) => {
      saved.current = source;
      queryClient.setQueryData(trpc.projects.get.queryKey({ projectId }), (project) =>
        // Only a project whose logic the caller sees has SQL to keep in step.
        project && !project.logicHidden
          ? {
              ...project,
              cells: project.cells.map((cell) => (cell.id === cellId ? { ...cell, source } : cell)),
            }
          : project,
      );
    },
    [queryClient, projectId, cellId],
  );

  const save = useCallback(
    (source: string) => {
      if (source === saved.current) return;
      mutate({ projectId, cellId, source }, { onSuccess: () => markSaved(source) });
    },
    [projectId, cellId, mutate, markSaved],
  );

  return { save, markSaved, status: update.status, error: update.error };
}

/**
 * Resolves once no save of this project's cells is in flight. A change the server makes to cells'
 * text (a rename rewrites the references to the renamed cell) waits for it: sent while a save was
 * still on its way, the rename rewrote the text before the save, and the save then put the old
 * name back on the server (and its answer put it back in the editor).
 */
export function cellSavesSettled(queryClient: QueryClient, projectId: string): Promise<void> {
  const saving = () =>
    queryClient.isMutating({
      mutationKey: trpc.projects.updateCell.mutationKey(),
      predicate: (mutation) =>
        (mutation.state.variables as { projectId?: unknown } | undefined)?.projectId === projectId,
    }) > 0;
  if (!saving()) return Promise.resolve();
  return new Promise((resolve) => {
    const unsubscribe = queryClient.getMutationCache().subscribe(() => {
      if (saving()) return;
      unsubscribe();
      resolve();
    });
  });
}
