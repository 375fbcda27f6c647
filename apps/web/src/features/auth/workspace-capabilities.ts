import type { WorkspaceCapabilities } from '@quarry/contracts';
import { useQuery } from '@tanstack/react-query';
import { trpcClient } from '../../trpc';
import { useMe } from './use-me';

/**
 * What the signed-in person may do in their workspace, as the server decided it
 * (`workspace.capabilities`). Undefined while it loads: show nothing that needs it until then.
 * Keyed by the workspace, so the header (which a workspace switch does not remount) asks again
 * for the new one instead of showing the old workspace's menu.
 */
export function useWorkspaceCan(): WorkspaceCapabilities | undefined {
  const { workspace } = useMe();
  return useQuery({
    queryKey: ['workspace-capabilities', workspace.id],
    queryFn: () => trpcClient.workspace.capabilities.query(),
    staleTime: 60_000,
  }).data?.can;
}
