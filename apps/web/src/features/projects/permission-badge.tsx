/** The caller's effective permission on a project, as the server labels it ("Can edit"). */
export function PermissionBadge({ permission }: { permission: string }) {
  return (
    <span className="badge" title="Your permission on this project">
      {permission}
    </span>
  );
}
