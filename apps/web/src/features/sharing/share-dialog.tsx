import type { ProjectSharing, ShareEntry } from '@quarry/contracts';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { trpc } from '../../trpc';
import { Dialog } from '../../ui/dialog';
import { ErrorMessage } from '../../ui/error-message';
import { quarryErrorOf } from '../../ui/quarry-error';
import { useSession } from '../auth/session';
import { ShareEntryRow } from './share-entry-row';
import { ShareForm } from './share-form';
import { ShareSwitches } from './share-switches';

type ShareDialogProps = { projectId: string; projectName: string; onClose: () => void };

/** Who can open the project, what they were given, what they effectively get, and why. */
export function ShareDialog({ projectId, projectName, onClose }: ShareDialogProps) {
  const sharing = useQuery(trpc.sharing.get.queryOptions({ projectId }));
  const me = useSession().data;
  return (
    <Dialog title="Share project" subtitle={projectName} onClose={onClose}>
      {sharing.isPending ? (
        <p className="muted" aria-busy="true">
          Loading who has access…
        </p>
      ) : null}
      {sharing.error ? (
        <ErrorMessage error={quarryErrorOf(sharing.error)}>
          <button type="button" className="button" onClick={() => sharing.refetch()}>
            Try again
          </button>
        </ErrorMessage>
      ) : null}
      {sharing.data ? <ShareDialogBody sharing={sharing.data} me={me?.userId} /> : null}
    </Dialog>
  );
}

type BodyProps = { sharing: ProjectSharing; me: string | undefined };

const isGroup = (entry: ShareEntry) => entry.target.kind === 'group';
const hasAccess = (entry: ShareEntry) => entry.granted !== 'none' || entry.effective !== 'none';

function ShareDialogBody({ sharing, me }: BodyProps) {
  const queryClient = useQueryClient();
  const refresh = () =>
    Promise.all([
      queryClient.invalidateQueries({
        queryKey: trpc.sharing.get.queryKey({ projectId: sharing.projectId }),
      }),
      queryClient.invalidateQueries({
        queryKey: trpc.projects.get.queryKey({ projectId: sharing.projectId }),
      }),
      queryClient.invalidateQueries({ queryKey: trpc.projects.list.queryKey() }),
    ]);
  const groups = sharing.entries.filter(isGroup);
  const people = sharing.entries.filter((entry) => !isGroup(entry));
  const withAccess = people.filter(hasAccess);
  const without = people.filter((entry) => !hasAccess(entry));

  return (
    <div className="share">
      {sharing.can.share ? (
        <ShareForm sharing={sharing} me={me} onShared={refresh} />
      ) : (
        <p className="share-note muted">
          You can see who has access. Changing it needs Full access
          {sharing.editorsCanShare ? ' or Can edit' : ''} on this project.
        </p>
      )}
      <ShareSwitches sharing={sharing} onChanged={refresh} />
      {groups.length > 0 ? (
        <section aria-label="Groups with access">
          <h3 className="share-heading">Groups</h3>
          <ul className="share-list">
            {groups.map((entry) => (
              <ShareEntryRow
                key={`g:${entry.target.kind === 'group' ? entry.target.groupId : ''}`}
                projectId={sharing.projectId}
                entry={entry}
                onChanged={refresh}
              />
            ))}
          </ul>
        </section>
      ) : null}
      <section aria-label="People with access">
        <h3 className="share-heading">People</h3>
        <ul className="share-list">
          {withAccess.map((entry) => (
            <ShareEntryRow
              key={`u:${entry.target.kind === 'user' ? entry.target.userId : ''}`}
              projectId={sharing.projectId}
              entry={entry}
              isMe={entry.target.kind === 'user' && entry.target.userId === me}
              onChanged={refresh}
            />
          ))}
        </ul>
      </section>
      {without.length > 0 ? (
        <details className="share-without">
          <summary>
            {without.length === 1 ? '1 member has' : `${without.length} members have`} no access
          </summary>
          <ul className="share-list">
            {without.map((entry) => (
              <ShareEntryRow
                key={`u:${entry.target.kind === 'user' ? entry.target.userId : ''}`}
                projectId={sharing.projectId}
                entry={entry}
                onChanged={refresh}
              />
            ))}
          </ul>
        </details>
      ) : null}
    </div>
  );
}
