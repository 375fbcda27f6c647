import type { CellKind } from '@quarry/contracts';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useMemo } from 'react';
import { trpc } from '../../trpc';
import { cellSavesSettled } from '../projects/use-save-cell';
import type { CellChanges } from './cell-changes';

/**
 * Adding, renaming, moving and deleting cells through the API; each refetches the project so the
 * notebook shows the order, names and (after a rename) rewritten references the server keeps.
 */
export function useNotebookChanges(projectId: string, editable: boolean) {
  const queryClient = useQueryClient();
  const refresh = () =>
    queryClient.invalidateQueries({ queryKey: trpc.projects.get.queryKey({ projectId }) });
  const add = useMutation(trpc.projects.addCell.mutationOptions({ onSuccess: refresh }));
  const rename = useMutation(trpc.projects.renameCell.mutationOptions({ onSuccess: refresh }));
  const move = useMutation(trpc.projects.moveCell.mutationOptions({ onSuccess: refresh }));
  const remove = useMutation(trpc.projects.deleteCell.mutationOptions({ onSuccess: refresh }));
  const { mutateAsync: addAsync } = add;
  const { mutateAsync: renameAsync } = rename;
  const { mutateAsync: moveAsync } = move;
  const { mutateAsync: removeAsync } = remove;

  return useMemo(() => {
    if (!editable) return { changes: null, onAdd: null };
    const changes: CellChanges = {
      rename: async (cellId, name) => {
        // The server rewrites the cells that read this one: from their saved text, not before it.
        await cellSavesSettled(queryClient, projectId);
        await renameAsync({ projectId, cellId, name });
      },
      move: async (cellId, position) => {
        await moveAsync({ projectId, cellId, position });
      },
      remove: async (cellId) => {
        await removeAsync({ projectId, cellId });
      },
    };
    const onAdd = async (kind: CellKind, afterCellId: string | null) => {
      await addAsync({ projectId, kind, afterCellId });
    };
    return { changes, onAdd };
  }, [editable, projectId, queryClient, addAsync, renameAsync, moveAsync, removeAsync]);
}
