import { useMutation, useQueryClient } from '@tanstack/react-query';
import { trpc } from '../../trpc';
import { markSignedOut } from './session';

export function useSignOut() {
  const queryClient = useQueryClient();
  return useMutation(
    trpc.auth.signOut.mutationOptions({
      // The sign-in gate then sends the open page to sign-in (features/auth/auth-gate.tsx).
      onSuccess: () => markSignedOut(queryClient),
    }),
  );
}
