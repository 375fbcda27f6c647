import { useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { trpc } from '../../trpc';
import { ErrorMessage } from '../../ui/error-message';
import { formatDateTime } from '../../ui/format';
import { quarryErrorOf } from '../../ui/quarry-error';
import { PermissionBadge } from './permission-badge';

export function ProjectsPage() {
  const projects = useQuery(trpc.projects.list.queryOptions());
  return (
    <section aria-labelledby="projects-title">
      <div className="page-header">
        <h1 id="projects-title">Projects</h1>
      </div>
      {projects.isPending ? <p className="muted">Loading projects…</p> : null}
      {projects.error ? (
        <ErrorMessage error={quarryErrorOf(projects.error)}>
          <button type="button" className="button" onClick={() => projects.refetch()}>
            Try again
          </button>
        </ErrorMessage>
      ) : null}
      {projects.data && projects.data.length === 0 ? (
        <div className="empty">
          <p>No projects yet.</p>
          <p className="muted">Projects shared with you, or with a group you are in, show up here.</p>
        </div>
      ) : null}
      {projects.data && projects.data.length > 0 ? (
        <ul className="project-list">
          {projects.data.map((project) => (
            <li key={project.id} className="project-item">
              <Link to="/projects/$projectId" params={{ projectId: project.id }} className="project-link">
                {project.name}
              </Link>
              <PermissionBadge permission={project.permission} />
              <span className="project-updated muted">Updated {formatDateTime(project.updatedAt)}</span>
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
