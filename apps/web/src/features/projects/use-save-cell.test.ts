import { MutationObserver, QueryClient } from '@tanstack/react-query';
import { describe, expect, it } from 'vitest';
import { trpc } from '../../trpc';
import { cellSavesSettled } from './use-save-cell';

type Save = { projectId: string; cellId: string; source: string };

/** A save of a cell of `projectId` whose answer the test gives (resolve) when it chooses. */
function pendingSave(queryClient: QueryClient, projectId: string) {
  let answer: () => void = () => {};
  const observer = new MutationObserver<void, Error, Save>(queryClient, {
    mutationKey: trpc.projects.updateCell.mutationKey(),
    mutationFn: () => new Promise<void>((resolve) => (answer = resolve)),
  });
  const done = observer.mutate({ projectId, cellId: 'cel_1', source: 'return 1' });
  return { answer: () => answer(), done };
}

const settledYet = async (settled: Promise<void>) => {
  let yes = false;
  void settled.then(() => (yes = true));
  // Long enough for every microtask and timer the cache schedules to have run.
  await new Promise((resolve) => setTimeout(resolve, 20));
  return yes;
};

describe('cellSavesSettled (a rename waits for the saves of its project)', () => {
  it('waits while a save of the project is on its way, and resolves once it is answered', async () => {
    const queryClient = new QueryClient();
    const save = pendingSave(queryClient, 'prj_a');
    const settled = cellSavesSettled(queryClient, 'prj_a');
    expect(await settledYet(settled)).toBe(false);
    save.answer();
    await save.done;
    expect(await settledYet(settled)).toBe(true);
  });

  it("does not wait for another project's saves, nor when nothing is being saved", async () => {
    const queryClient = new QueryClient();
    expect(await settledYet(cellSavesSettled(queryClient, 'prj_a'))).toBe(true);
    const other = pendingSave(queryClient, 'prj_b');
    expect(await settledYet(cellSavesSettled(queryClient, 'prj_a'))).toBe(true);
    other.answer();
    await other.done;
  });

  it('waits for a save that fails as for one that succeeds', async () => {
    const queryClient = new QueryClient();
    let fail: (error: Error) => void = () => {};
    const observer = new MutationObserver<void, Error, Save>(queryClient, {
      mutationKey: trpc.projects.updateCell.mutationKey(),
      mutationFn: () => new Promise<void>((_, reject) => (fail = reject)),
    });
    const done = observer.mutate({ projectId: 'prj_a', cellId: 'cel_1', source: 'x' }).catch(() => 'failed');
    const settled = cellSavesSettled(queryClient, 'prj_a');
    expect(await settledYet(settled)).toBe(false);
    fail(new Error('refused'));
    expect(await done).toBe('failed');
    expect(await settledYet(settled)).toBe(true);
  });
});
