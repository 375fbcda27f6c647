import type { ConnectionSummary } from '@quarry/contracts';
import { DropdownMenu } from 'radix-ui';

type ConnectionRowMenuProps = {
  connection: ConnectionSummary;
  onEdit: () => void;
  onPermissions: () => void;
  onSetDefault: () => void;
  onDelete: () => void;
};

/** The row's three-dot menu: Edit, Permissions, Set as default, Delete. */
export function ConnectionRowMenu({
  connection,
  onEdit,
  onPermissions,
  onSetDefault,
  onDelete,
}: ConnectionRowMenuProps) {
  const workspace = connection.scope === 'workspace';
  return (
    <DropdownMenu.Root>
      <DropdownMenu.Trigger
        className="button button-quiet menu-trigger"
        aria-label={`Actions for ${connection.name}`}
      >
        <span aria-hidden="true">⋯</span>
      </DropdownMenu.Trigger>
      <DropdownMenu.Portal>
        <DropdownMenu.Content className="menu" align="end" sideOffset={4}>
          <DropdownMenu.Item className="menu-item" onSelect={onEdit}>
            Edit
          </DropdownMenu.Item>
          {workspace ? (
            <DropdownMenu.Item className="menu-item" onSelect={onPermissions}>
              Permissions
            </DropdownMenu.Item>
          ) : null}
          {workspace && !connection.isDefault && connection.status === 'ready' ? (
            <DropdownMenu.Item className="menu-item" onSelect={onSetDefault}>
              Set as default
            </DropdownMenu.Item>
          ) : null}
          <DropdownMenu.Separator className="menu-separator" />
          <DropdownMenu.Item className="menu-item menu-item-danger" onSelect={onDelete}>
            Delete
          </DropdownMenu.Item>
        </DropdownMenu.Content>
      </DropdownMenu.Portal>
    </DropdownMenu.Root>
  );
}
