import type { GroupSummary, MemberSummary } from '@quarry/contracts';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import { trpc } from '../../trpc';
import { ConfirmPrompt } from '../../ui/confirm-prompt';
import { ErrorMessage } from '../../ui/error-message';
import { PickForm } from '../../ui/pick-form';
import { quarryErrorOf } from '../../ui/quarry-error';
import { Spinner } from '../../ui/spinner';
import { SubmitButton } from '../../ui/submit-button';

type GroupCardProps = { group: GroupSummary; members: MemberSummary[] };

/** One custom group: rename or delete it, and add or remove its members. */
export function GroupCard({ group, members }: GroupCardProps) {
  const id = useId();
  const queryClient = useQueryClient();
  const [renaming, setRenaming] = useState(false);
  const [name, setName] = useState(group.name);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [adding, setAdding] = useState('');
  const refresh = () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: trpc.groups.list.queryKey() }),
      queryClient.invalidateQueries({ queryKey: trpc.members.list.queryKey() }),
    ]);
  const rename = useMutation(
    trpc.groups.rename.mutationOptions({
      onSuccess: () => {
        setRenaming(false);
        return refresh();
      },
    }),
  );
  const remove = useMutation(trpc.groups.delete.mutationOptions({ onSuccess: refresh }));
  const addMember = useMutation(
    trpc.groups.addMember.mutationOptions({
      onSuccess: () => {
        setAdding('');
        return refresh();
      },
    }),
  );
  const removeMember = useMutation(trpc.groups.removeMember.mutationOptions({ onSuccess: refresh }));

  const inGroup = new Set(group.members.map((member) => member.userId));
  const candidates = members.filter((member) => !inGroup.has(member.userId) && member.status === 'active');

  const submitRename = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (rename.isPending) return;
    rename.mutate({ groupId: group.id, name });
  };

  return (
    <article className="group-card" data-testid="group" data-group-id={group.id} aria-label={group.name}>
      <div className="group-card-header">
        {renaming ? (
          <form className="inline-form" onSubmit={submitRename} noValidate>
            <label className="visually-hidden" htmlFor={`${id}-rename`}>
              New name for {group.name}
            </label>
            <input
              id={`${id}-rename`}
              type="text"
              maxLength={80}
              value={name}
              onChange={(event) => setName(event.target.value)}
            />
            <SubmitButton pending={rename.isPending}>Save</SubmitButton>
            <button
              type="button"
              className="button button-quiet"
              onClick={() => {
                setRenaming(false);
                setName(group.name);
                rename.reset();
              }}
            >
              Cancel
            </button>
          </form>
        ) : (
          <h2 className="group-name">{group.name}</h2>
        )}
        <span className="muted small">
          {group.members.length === 1 ? '1 member' : `${group.members.length} members`}
        </span>
        {renaming || confirmDelete ? null : (
          <div className="row-buttons group-card-actions">
            <button
              type="button"
              className="button button-quiet"
              onClick={() => {
                setName(group.name);
                setRenaming(true);
              }}
            >
              Rename
            </button>
            <button type="button" className="button button-quiet" onClick={() => setConfirmDelete(true)}>
              Delete
            </button>
          </div>
        )}
      </div>
      {rename.error ? <ErrorMessage error={quarryErrorOf(rename.error)} /> : null}
      {confirmDelete ? (
        <ConfirmPrompt
          block
          question={`Delete “${group.name}”? Projects and connections shared with it lose that share.`}
          confirmLabel="Yes, delete"
          pending={remove.isPending}
          error={remove.error}
          onConfirm={() => remove.mutate({ groupId: group.id })}
          onCancel={() => {
            setConfirmDelete(false);
            remove.reset();
          }}
        />
      ) : null}
      {remove.error ? <ErrorMessage error={quarryErrorOf(remove.error)} /> : null}
      {group.members.length > 0 ? (
        <ul className="group-members">
          {group.members.map((member) => {
            const removing = removeMember.isPending && removeMember.variables?.userId === member.userId;
            return (
              <li key={member.userId}>
                <span>
                  {member.name} <span className="muted">{member.email}</span>
                </span>
                <button
                  type="button"
                  className="button button-quiet"
                  onClick={() => removeMember.mutate({ groupId: group.id, userId: member.userId })}
                  disabled={removeMember.isPending}
                  aria-busy={removing}
                  aria-label={`Remove ${member.name} from ${group.name}`}
                >
                  {removing ? <Spinner /> : null}
                  Remove
                </button>
              </li>
            );
          })}
        </ul>
      ) : (
        <p className="muted small">Nobody is in this group yet.</p>
      )}
      {removeMember.error ? <ErrorMessage error={quarryErrorOf(removeMember.error)} /> : null}
      <PickForm
        id={`${id}-add`}
        label={`Member to add to ${group.name}`}
        placeholder="Add a member…"
        options={candidates.map((member) => ({
          value: member.userId,
          label: `${member.name} (${member.email})`,
        }))}
        value={adding}
        onChange={setAdding}
        action="Add"
        pending={addMember.isPending}
        onPick={(userId) => addMember.mutate({ groupId: group.id, userId })}
      />
      {addMember.error ? <ErrorMessage error={quarryErrorOf(addMember.error)} /> : null}
    </article>
  );
}
