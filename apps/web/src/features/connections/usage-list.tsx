import type { AssetUsage } from '@quarry/contracts';
import { Link } from '@tanstack/react-router';
import { QueryState } from '../../ui/query-state';

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
