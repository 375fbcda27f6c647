import { useState } from 'react';
import { InviteForm } from './invite-form';
import { type CreatedInvite, InviteLinkNotice } from './invite-link-notice';
import { MembersTable } from './members-table';
import { PendingInvites } from './pending-invites';

export function MembersPage() {
  const [created, setCreated] = useState<CreatedInvite | null>(null);
  return (
    <section aria-labelledby="members-title" className="settings-section">
      <div className="page-header">
        <h1 id="members-title">Members</h1>
      </div>
      <p className="muted lead">
        Everyone in the workspace, with the role that caps what they can do. Invite people by link; they
        choose their own password when they join.
      </p>
      {created ? <InviteLinkNotice created={created} onDismiss={() => setCreated(null)} /> : null}
      <InviteForm onCreated={setCreated} />
      <h2 className="section-title">Pending invitations</h2>
      <PendingInvites />
      <h2 className="section-title">People</h2>
      <MembersTable />
    </section>
  );
}
