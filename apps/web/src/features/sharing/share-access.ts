import type { ProjectSharing } from '@quarry/contracts';
import { meetsPermission } from '../../ui/labels';

/** What the caller may change in the share dialog; the server decides again on every change. */
export type ShareAccess = {
  /** The caller's own effective permission on the project (`none` if they are not listed). */
  own: string;
  /** Add, change and remove shares: Full access, or Can edit while re-sharing is on. */
  canShare: boolean;
  /** Share with the web and the re-sharing switch: Full access only. */
  canManage: boolean;
};

export function shareAccessOf(sharing: ProjectSharing, userId: string | undefined): ShareAccess {
  const mine = sharing.entries.find(
    (entry) => entry.target.kind === 'user' && entry.target.userId === userId,
  );
  const own = mine?.effective ?? 'none';
  const canManage = own === 'full_access';
  const canShare = canManage || (own === 'can_edit' && sharing.editorsCanShare);
  return { own, canShare, canManage };
}

/** The permissions the caller may hand out: never more than they hold. */
export const grantable = (own: string) =>
  (['full_access', 'can_edit', 'can_explore', 'can_view'] as const).filter((permission) =>
    meetsPermission(own, permission),
  );
