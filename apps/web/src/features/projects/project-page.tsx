import type { ProjectDetail, ProjectWithLogic } from '@quarry/contracts';
import { useQuery } from '@tanstack/react-query';
import { trpc } from '../../trpc';
import { ErrorMessage } from '../../ui/error-message';
import { permissionLabel } from '../../ui/labels';
import { quarryErrorOf } from '../../ui/quarry-error';
import { Notebook } from '../notebook/notebook';
import { useNotebookChanges } from '../notebook/use-notebook-changes';
import { DataBrowser } from '../schema-browser/data-browser';
import { ShareButton } from '../sharing/share-button';
import { AppCellView } from './app-cell';
import { PermissionBadge } from './permission-badge';
import { ProjectConnections } from './project-connections';
import '../connections/connections.css';

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
  return (
    <section aria-labelledby="project-title">
      <div className="page-header">
        <h1 id="project-title">{data.name}</h1>
        <PermissionBadge permission={data.permission} />
        <div className="page-actions">
          {data.logicHidden ? null : <ShareButton projectId={data.id} projectName={data.name} />}
        </div>
      </div>
      {data.reasons.length > 0 ? (
        <ul className="project-reasons" data-testid="project-reasons" aria-label="Why your access is limited">
          {data.reasons.map((reason) => (
            <li key={`${reason.code}:${reason.message}`} data-code={reason.code}>
              {reason.message}
            </li>
          ))}
        </ul>
      ) : null}
      {data.logicHidden ? <AppView project={data} /> : <LogicView project={data} />}
    </section>
  );
}

const byPosition = <T extends { position: number }>(cells: readonly T[]): T[] =>
  [...cells].sort((a, b) => a.position - b.position);

/** Can view: the app only. The server sent no SQL and no connections, and says so with `logicHidden`. */
function AppView({ project }: { project: Extract<ProjectDetail, { logicHidden: true }> }) {
  const cells = byPosition(project.cells);
  return (
    <>
      <p className="muted" data-testid="logic-hidden">
        You can view this app. Its logic (the SQL and the data connections) is hidden at{' '}
        {permissionLabel(project.permission)}.
      </p>
      {cells.length === 0 ? <p className="muted">This project has no cells yet.</p> : null}
      <div className="cells">
        {cells.map((cell, index) => (
          <AppCellView key={cell.id} cell={cell} index={index} />
        ))}
      </div>
    </>
  );
}

/** Can explore and up: the notebook, read-only unless the server says the caller may edit. */
function LogicView({ project: data }: { project: ProjectWithLogic }) {
  const { changes, onAdd } = useNotebookChanges(data.id, data.can.edit);
  return (
    <div className="project-workspace">
      <DataBrowser project={data} />
      <div className="project-workspace-main">
        <ProjectConnections project={data} />
        <Notebook project={data} changes={changes} onAdd={onAdd} />
      </div>
    </div>
  );
}
