import { useQuery } from '@tanstack/react-query';
import { trpc } from '../../trpc';
import { ErrorMessage } from '../../ui/error-message';
import { quarryErrorOf } from '../../ui/quarry-error';
import { CreateGroupForm } from './create-group-form';
import { GroupCard } from './group-card';

export function GroupsPage() {
  const groups = useQuery(trpc.groups.list.queryOptions());
  const members = useQuery(trpc.members.list.queryOptions());
  return (
    <section aria-labelledby="groups-title" className="settings-section">
      <div className="page-header">
        <h1 id="groups-title">Groups</h1>
      </div>
      <p className="muted lead">
        Share projects and data connections with a group instead of one person at a time. Everyone is also in
        the built-in groups: Workspace (every member but Guests) and Workspace guests.
      </p>
      <CreateGroupForm />
      {groups.isPending ? <p className="muted">Loading groups…</p> : null}
      {groups.error ? (
        <ErrorMessage error={quarryErrorOf(groups.error)}>
          <button type="button" className="button" onClick={() => groups.refetch()}>
            Try again
          </button>
        </ErrorMessage>
      ) : null}
      {members.error ? <ErrorMessage error={quarryErrorOf(members.error)} /> : null}
      {groups.data && groups.data.length === 0 ? (
        <div className="empty">
          <p>No custom groups yet.</p>
          <p className="muted">Create one above, then add members to it.</p>
        </div>
      ) : null}
      <div className="group-list">
        {groups.data?.map((group) => (
          <GroupCard key={group.id} group={group} members={members.data ?? []} />
        ))}
      </div>
    </section>
  );
}
