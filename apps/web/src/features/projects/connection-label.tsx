import type { ProjectWithLogic } from '@quarry/contracts';

type ConnectionLabelProps = {
  connectionId: string | null;
  connections: ProjectWithLogic['connections'];
};

/** Which data connection a cell queries. */
export function ConnectionLabel({ connectionId, connections }: ConnectionLabelProps) {
  const connection = connections.find((candidate) => candidate.id === connectionId);
  if (!connection) {
    return <span className="connection connection-missing">No connection</span>;
  }
  return (
    <span className="connection" data-testid="cell-connection">
      <span className="connection-dot" aria-hidden="true" />
      {connection.name}
      <span className="connection-kind">{connection.kind}</span>
    </span>
  );
}
