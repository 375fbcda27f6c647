import type { MemberSummary } from '@quarry/contracts';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { trpc } from '../../trpc';
import { ConfirmPrompt } from '../../ui/confirm-prompt';
import { ErrorMessage } from '../../ui/error-message';
import { ROLE_LABELS, ROLES } from '../../ui/labels';
import { quarryErrorOf } from '../../ui/quarry-error';
import { Spinner } from '../../ui/spinner';
import { sessionQueryKey } from '../auth/session';

type Confirming = 'deactivate' | 'remove' | null;

/** Members and groups both show who is in what: a change to a member refreshes both. */
function useRefreshMembers() {
  const queryClient = useQueryClient();
  return () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: trpc.members.list.queryKey() }),
      queryClient.invalidateQueries({ queryKey: trpc.groups.list.queryKey() }),
    ]);
}

/** A member's role, changed on the spot; its error shows beside it. */
export function MemberRole({ member, isMe }: { member: MemberSummary; isMe: boolean }) {
  const queryClient = useQueryClient();
  const refresh = useRefreshMembers();
  const changeRole = useMutation(
    trpc.members.changeRole.mutationOptions({
      // Your own role decides what the header and settings offer you.
      onSuccess: () =>
        Promise.all([refresh(), isMe ? queryClient.invalidateQueries({ queryKey: sessionQueryKey }) : null]),
    }),
  );
  const role = changeRole.isPending && changeRole.variables ? changeRole.variables.role : member.role;
  return (
    <div>
      <span className="inline-busy">
        <select
          aria-label={`Role for ${member.email}`}
          value={role}
          disabled={changeRole.isPending}
          onChange={(event) => {
            const chosen = ROLES.find((value) => value === event.target.value);
            if (!chosen) return;
            changeRole.reset();
            changeRole.mutate({ userId: member.userId, role: chosen });
          }}
        >
          {ROLES.map((value) => (
            <option key={value} value={value}>
              {ROLE_LABELS[value]}
            </option>
          ))}
        </select>
        {changeRole.isPending ? <Spinner /> : null}
      </span>
      {changeRole.error ? <ErrorMessage error={quarryErrorOf(changeRole.error)} /> : null}
    </div>
  );
}

/** The ways to suspend, bring back or remove a member (never yourself). */
export function MemberActions({ member, isMe }: { member: MemberSummary; isMe: boolean }) {
  const [confirming, setConfirming] = useState<Confirming>(null);
  const refresh = useRefreshMembers();
  const onSuccess = () => {
    setConfirming(null);
    return refresh();
  };
  const deactivate = useMutation(trpc.members.deactivate.mutationOptions({ onSuccess }));
  const reactivate = useMutation(trpc.members.reactivate.mutationOptions({ onSuccess }));
  const remove = useMutation(trpc.members.remove.mutationOptions({ onSuccess }));
  const error = [deactivate, reactivate, remove].find((mutation) => mutation.error)?.error;
  const busy = deactivate.isPending || reactivate.isPending || remove.isPending;
  const deactivated = member.status === 'deactivated';
  const input = { userId: member.userId };
  const reset = () => {
    for (const mutation of [deactivate, reactivate, remove]) mutation.reset();
  };

  return (
    <div className="row-actions">
      {confirming === 'deactivate' ? (
        <ConfirmPrompt
          question={`Deactivate ${member.name}? They are signed out and cannot sign in.`}
          confirmLabel="Yes, deactivate"
          pending={deactivate.isPending}
          error={deactivate.error}
          onConfirm={() => deactivate.mutate(input)}
          onCancel={() => setConfirming(null)}
        />
      ) : null}
      {confirming === 'remove' ? (
        <ConfirmPrompt
          question={`Remove ${member.name} from the workspace? Their shares go with them.`}
          confirmLabel="Yes, remove"
          pending={remove.isPending}
          error={remove.error}
          onConfirm={() => remove.mutate(input)}
          onCancel={() => setConfirming(null)}
        />
      ) : null}
      {confirming === null && !isMe ? (
        <div className="row-buttons">
          {deactivated ? (
            <button
              type="button"
              className="button"
              onClick={() => {
                reset();
                reactivate.mutate(input);
              }}
              disabled={busy}
              aria-busy={reactivate.isPending}
            >
              {reactivate.isPending ? <Spinner /> : null}
              Reactivate
            </button>
          ) : (
            <button
              type="button"
              className="button"
              onClick={() => {
                reset();
                setConfirming('deactivate');
              }}
              disabled={busy}
            >
              Deactivate
            </button>
          )}
          <button
            type="button"
            className="button"
            onClick={() => {
              reset();
              setConfirming('remove');
            }}
            disabled={busy}
          >
            Remove
          </button>
        </div>
      ) : null}
      {error ? <ErrorMessage error={quarryErrorOf(error)} /> : null}
    </div>
  );
}
