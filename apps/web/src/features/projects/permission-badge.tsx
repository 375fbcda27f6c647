import type { ProjectPermission } from '@quarry/contracts';
import { permissionLabel } from '../../ui/labels';

/** The caller's effective permission on a project, in the product's words ("Can edit"). */
export function PermissionBadge({ permission }: { permission: ProjectPermission }) {
  return (
    <span className="badge" title="Your permission on this project">
      {permissionLabel(permission)}
    </span>
  );
}
