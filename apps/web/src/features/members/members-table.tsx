import type { MemberSummary } from '@quarry/contracts';
import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { trpc } from '../../trpc';
import { DataTable, dataColumns } from '../../ui/data-table';
import { roleLabel } from '../../ui/labels';
import { QueryState } from '../../ui/query-state';
import { useSession } from '../auth/session';
import { MemberActions, MemberRole } from './member-row';

const column = dataColumns<MemberSummary>();

function memberColumns(myUserId: string | undefined) {
  return column.columns([
    column.accessor('name', {
      header: 'Name',
      size: 200,
      meta: { rowHeader: true },
      cell: ({ row: { original: member } }) => (
        <span>
          {member.name}
          {member.userId === myUserId ? <span className="badge badge-inline">You</span> : null}
        </span>
      ),
    }),
    column.accessor('email', { header: 'Email', size: 240 }),
    column.accessor((member) => roleLabel(member.role), {
      id: 'role',
      header: 'Role',
      size: 170,
      cell: ({ row: { original: member } }) => (
        <MemberRole member={member} isMe={member.userId === myUserId} />
      ),
    }),
    column.accessor((member) => member.groups.map((group) => group.name).join(', '), {
      id: 'groups',
      header: 'Groups',
      size: 180,
      cell: (info) => info.getValue() || <span className="muted">None</span>,
    }),
    column.accessor('status', {
      header: 'Status',
      size: 120,
      cell: (info) => {
        const deactivated = info.getValue() === 'deactivated';
        return (
          <span className={deactivated ? 'status status-off' : 'status status-on'}>
            {deactivated ? 'Deactivated' : 'Active'}
          </span>
        );
      },
    }),
    column.display({
      id: 'actions',
      header: () => <span className="visually-hidden">Actions</span>,
      size: 240,
      cell: ({ row: { original: member } }) => (
        <MemberActions member={member} isMe={member.userId === myUserId} />
      ),
    }),
  ]);
}

export function MembersTable() {
  const members = useQuery(trpc.members.list.queryOptions());
  const myUserId = useSession().data?.userId;
  const columns = useMemo(() => memberColumns(myUserId), [myUserId]);
  return (
    <QueryState query={members} loading="Loading members…">
      {(data) => (
        <DataTable
          data={data}
          columns={columns}
          label="Members"
          testId="members"
          getRowId={(member) => member.userId}
          rowAttributes={(member) => ({
            'data-testid': 'member',
            'data-user-id': member.userId,
            'data-status': member.status,
          })}
        />
      )}
    </QueryState>
  );
}
