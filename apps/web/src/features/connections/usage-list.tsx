import type { AssetUsage } from '@quarry/contracts';
import { Link } from '@tanstack/react-router';
import type { ReactNode } from 'react';
import { DangerDialog } from '../../ui/danger-dialog';
import { Dialog } from '../../ui/dialog';
import { QueryState } from '../../ui/query-state';
import { projectsCount } from './connection-labels';

type UsageQuery = { data: AssetUsage | undefined; error: unknown; refetch: () => unknown };

/** The projects that import an asset, each a link to the project. */
export function UsageList({ usage, empty }: { usage: UsageQuery; empty: string }) {
  return (
    <QueryState
      query={usage}
      loading="Loading the projects that use it…"
      isEmpty={(data) => data.length === 0}
      empty={<p>{empty}</p>}
    >
      {(projects) => (
        <ul className="usage-list" data-testid="usage-list">
          {projects.map((project) => (
            <li key={project.projectId}>
              <Link to="/projects/$projectId" params={{ projectId: project.projectId }}>
                {project.name}
              </Link>
            </li>
          ))}
        </ul>
      )}
    </QueryState>
  );
}

type UsageDialogProps = { name: string; usage: UsageQuery; empty: string; onClose: () => void };

/** The list's Usage count opens this: which projects use the connection or secret. */
export function UsageDialog({ name, usage, empty, onClose }: UsageDialogProps) {
  return (
    <Dialog title="Projects that use it" subtitle={name} onClose={onClose}>
      <UsageList usage={usage} empty={empty} />
    </Dialog>
  );
}

/** A list row's Usage cell: the project count, as the button that opens the UsageDialog. */
export function UsageCell({ count, onOpen }: { count: number; onOpen: () => void }) {
  return (
    <td>
      <button type="button" className="link-button" onClick={onOpen}>
        {projectsCount(count)}
      </button>
    </td>
  );
}

type DeleteUsedAssetProps = {
  name: string;
  /** What happens to the projects that use it, and that it cannot be undone. */
  description: ReactNode;
  usage: UsageQuery & { isPending: boolean };
  remove: { isPending: boolean; error: unknown };
  onConfirm: () => void;
  onClose: () => void;
};

/**
 * Deleting a connection or a secret shows every project that uses it first, and waits for that
 * list before it lets the delete go ahead: the person sees what they break.
 */
export function DeleteUsedAsset({
  name,
  description,
  usage,
  remove,
  onConfirm,
  onClose,
}: DeleteUsedAssetProps) {
  return (
    <DangerDialog
      title={`Delete ${name}?`}
      description={description}
      confirmLabel="Yes, delete"
      pending={remove.isPending}
      disabled={usage.isPending}
      error={remove.error}
      onConfirm={onConfirm}
      onOpenChange={(open) => (open ? undefined : onClose())}
    >
      <h3 className="share-heading">Projects that use it</h3>
      <UsageList usage={usage} empty="No project uses it." />
    </DangerDialog>
  );
}
