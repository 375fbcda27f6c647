import { useQuery } from '@tanstack/react-query';
import { trpc } from '../../trpc';
import { ErrorMessage } from '../../ui/error-message';
import { quarryErrorOf } from '../../ui/quarry-error';
import { ShareButton } from '../sharing/share-button';
import { canAuthor } from './can-author';
import { PermissionBadge } from './permission-badge';
import { SqlCellView } from './sql-cell';

export function ProjectPage({ projectId }: { projectId: string }) {
  const project = useQuery(trpc.projects.get.queryOptions({ projectId }));

  if (project.isPending) return <p className="muted">Loading project…</p>;
  if (project.error) {
    return (
      <section aria-labelledby="project-title">
        <h1 id="project-title">Project</h1>
        <ErrorMessage error={quarryErrorOf(project.error)} />
      </section>
    );
  }

  const { data } = project;
  const editable = canAuthor(data.permission);
  const cells = [...data.cells].sort((a, b) => a.position - b.position);
  return (
    <section aria-labelledby="project-title">
      <div className="page-header">
        <h1 id="project-title">{data.name}</h1>
        <PermissionBadge permission={data.permission} />
        <div className="page-actions">
          {data.permission === 'Can view' ? null : (
            <ShareButton projectId={data.id} projectName={data.name} />
          )}
        </div>
      </div>
      {cells.length === 0 ? <p className="muted">This project has no cells yet.</p> : null}
      <div className="cells">
        {cells.map((cell, index) => (
          <SqlCellView
            key={cell.id}
            projectId={data.id}
            cell={cell}
            connections={data.connections}
            editable={editable}
            index={index}
          />
        ))}
      </div>
    </section>
  );
}
