import type { ShareEntry, ShareRoute, ShareTarget } from '@quarry/contracts';
import { useMutation } from '@tanstack/react-query';
import { trpc } from '../../trpc';
import { ErrorMessage } from '../../ui/error-message';
import { permissionLabel, roleLabel } from '../../ui/labels';
import { quarryErrorOf } from '../../ui/quarry-error';
import { Spinner } from '../../ui/spinner';

type ShareEntryRowProps = {
  projectId: string;
  entry: ShareEntry;
  isMe?: boolean;
  onChanged: () => Promise<unknown>;
};

const targetOf = (entry: ShareEntry): ShareTarget =>
  entry.target.kind === 'user'
    ? { kind: 'user', userId: entry.target.userId }
    : { kind: 'group', groupId: entry.target.groupId };

/** How one grant reaches a person, in words: "direct share (Can view)", "group Data team (Can edit)". */
const describeRoute = (route: ShareRoute): string => {
  const permission = permissionLabel(route.permission);
  if (route.kind === 'creator') return `creator of the project (${permission})`;
  if (route.kind === 'direct') return `direct share (${permission})`;
  return `group ${route.name} (${permission})`;
};

/**
 * One person or group: what they were given, how it reaches them, what they effectively get, and
 * each reason why. Remove appears only where the server says it would take a grant away.
 */
export function ShareEntryRow({ projectId, entry, isMe = false, onChanged }: ShareEntryRowProps) {
  const remove = useMutation(trpc.sharing.share.mutationOptions({ onSuccess: () => onChanged() }));
  const { target } = entry;
  const downgraded = entry.granted !== 'none' && entry.granted !== entry.effective;

  return (
    <li
      className="share-entry"
      data-testid="share-entry"
      data-kind={target.kind}
      data-effective={entry.effective}
    >
      <div className="share-entry-main">
        <div className="share-who">
          <span className="share-name">
            {target.name}
            {isMe ? <span className="badge badge-inline">You</span> : null}
          </span>
          {target.kind === 'user' ? (
            <span className="share-detail muted">
              {target.email} · {roleLabel(target.role)}
            </span>
          ) : (
            <span className="share-detail muted">Group</span>
          )}
        </div>
        <div className="share-permission">
          <span className={`permission permission-${entry.effective}`} data-testid="share-effective">
            {permissionLabel(entry.effective)}
          </span>
          {downgraded ? (
            <span className="share-granted muted" data-testid="share-granted">
              Shared as {permissionLabel(entry.granted)}
            </span>
          ) : null}
        </div>
        {entry.canRemove && !isMe ? (
          <button
            type="button"
            className="button button-quiet"
            onClick={() => remove.mutate({ projectId, target: targetOf(entry), permission: 'none' })}
            disabled={remove.isPending}
            aria-busy={remove.isPending}
          >
            {remove.isPending ? <Spinner /> : null}
            Remove
          </button>
        ) : null}
      </div>
      {entry.via.length > 0 ? (
        <p className="share-via muted small" data-testid="share-via">
          <span className="share-via-label">via</span> {entry.via.map(describeRoute).join(' · ')}
        </p>
      ) : null}
      {entry.reasons.length > 0 ? (
        <ul className="share-reasons">
          {entry.reasons.map((reason) => (
            <li key={reason.code + reason.message} data-code={reason.code}>
              {reason.message}
            </li>
          ))}
        </ul>
      ) : null}
      {remove.error ? <ErrorMessage error={quarryErrorOf(remove.error)} /> : null}
    </li>
  );
}
