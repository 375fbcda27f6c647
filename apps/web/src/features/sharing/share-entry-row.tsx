import type { ShareEntry, ShareTarget } from '@quarry/contracts';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { trpc } from '../../trpc';
import { ErrorMessage } from '../../ui/error-message';
import { permissionLabel, roleLabel } from '../../ui/labels';
import { quarryErrorOf } from '../../ui/quarry-error';
import { Spinner } from '../../ui/spinner';

type ShareEntryRowProps = {
  projectId: string;
  entry: ShareEntry;
  isMe?: boolean;
  canRemove: boolean;
  onChanged: () => Promise<unknown>;
};

const targetOf = (entry: ShareEntry): ShareTarget =>
  entry.target.kind === 'user'
    ? { kind: 'user', userId: entry.target.userId }
    : { kind: 'group', groupId: entry.target.groupId };

/** One person or group: what they were given, what they effectively get, and each reason why. */
export function ShareEntryRow({ projectId, entry, isMe = false, canRemove, onChanged }: ShareEntryRowProps) {
  const [removedDirect, setRemovedDirect] = useState(false);
  const [seenGranted, setSeenGranted] = useState(entry.granted);
  if (seenGranted !== entry.granted) {
    // Someone changed this share since: the note about the last removal no longer applies.
    setSeenGranted(entry.granted);
    setRemovedDirect(false);
  }
  const remove = useMutation(
    trpc.sharing.share.mutationOptions({
      onSuccess: async () => {
        await onChanged();
        setRemovedDirect(true);
      },
    }),
  );
  const { target } = entry;
  const downgraded = entry.granted !== 'none' && entry.granted !== entry.effective;
  // A person keeps what reaches them through a group or as the project's creator.
  const stillGranted = removedDirect && target.kind === 'user' && entry.granted !== 'none';

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
        {canRemove && entry.canChange && !isMe && entry.granted !== 'none' ? (
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
      {entry.reasons.length > 0 ? (
        <ul className="share-reasons">
          {entry.reasons.map((reason) => (
            <li key={reason.code + reason.message} data-code={reason.code}>
              {reason.message}
            </li>
          ))}
        </ul>
      ) : null}
      {stillGranted ? (
        <p className="share-reasons muted" role="status">
          {target.name} still has {permissionLabel(entry.granted)} through a group or as the project’s
          creator.
        </p>
      ) : null}
      {remove.error ? <ErrorMessage error={quarryErrorOf(remove.error)} /> : null}
    </li>
  );
}
