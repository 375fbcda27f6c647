import { useMutation, useQueryClient } from '@tanstack/react-query';
import { trpc } from '../../trpc';
import { navigate, paths } from '../../ui/router';
import { markSignedOut } from './session';

export function useSignOut() {
  const queryClient = useQueryClient();
  return useMutation(
    trpc.auth.signOut.mutationOptions({
      onSuccess: () => {
        markSignedOut(queryClient);
        navigate(paths.projects, { replace: true });
      },
    }),
  );
}
