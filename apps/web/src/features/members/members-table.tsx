import { useQuery } from '@tanstack/react-query';
import { trpc } from '../../trpc';
import { ErrorMessage } from '../../ui/error-message';
import { quarryErrorOf } from '../../ui/quarry-error';
import { useSession } from '../auth/session';
import { MemberRow } from './member-row';

export function MembersTable() {
  const members = useQuery(trpc.members.list.queryOptions());
  const me = useSession().data;
  if (members.isPending) return <p className="muted">Loading members…</p>;
  if (members.error) {
    return (
      <ErrorMessage error={quarryErrorOf(members.error)}>
        <button type="button" className="button" onClick={() => members.refetch()}>
          Try again
        </button>
      </ErrorMessage>
    );
  }
  return (
    <div className="table-scroll">
      <table className="data-table" data-testid="members">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Email</th>
            <th scope="col">Role</th>
            <th scope="col">Groups</th>
            <th scope="col">Status</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {members.data.map((member) => (
            <MemberRow key={member.userId} member={member} isMe={member.userId === me?.userId} />
          ))}
        </tbody>
      </table>
    </div>
  );
}
