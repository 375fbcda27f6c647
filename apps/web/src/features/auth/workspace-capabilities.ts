import type { WorkspaceCapabilities } from '@quarry/contracts';
import { useQuery } from '@tanstack/react-query';
import { trpc } from '../../trpc';

/**
 * What the signed-in person may do in their workspace, as the server decided it
 * (`workspace.capabilities`). Undefined while it loads: show nothing that needs it until then.
 */
export function useWorkspaceCan(): WorkspaceCapabilities | undefined {
  return useQuery({ ...trpc.workspace.capabilities.queryOptions(), staleTime: 60_000 }).data?.can;
}
