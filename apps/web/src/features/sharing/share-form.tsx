import type { ProjectPermission, ProjectSharing, ShareTarget } from '@quarry/contracts';
import { useMutation, useQuery } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import { trpc } from '../../trpc';
import { ErrorMessage } from '../../ui/error-message';
import { BUILT_IN_GROUP_LABELS, PERMISSION_LABELS, permissionLabel } from '../../ui/labels';
import { quarryErrorOf } from '../../ui/quarry-error';
import { SubmitButton } from '../../ui/submit-button';

type ShareFormProps = { sharing: ProjectSharing; me: string | undefined; onShared: () => Promise<unknown> };

type Option = { value: string; label: string; target: ShareTarget };

const NO_TARGET = {
  code: 'input.invalid',
  message: 'Choose a person or a group to share with',
  hint: 'Pick them in the first list',
};

/** Share the project with a member or a group at a permission, or change what they have. */
export function ShareForm({ sharing, me, onShared }: ShareFormProps) {
  const id = useId();
  const groups = useQuery(trpc.groups.options.queryOptions());
  // What the caller may hand out is the server's answer, strongest first.
  const permissions = sharing.grantable;
  const [target, setTarget] = useState('');
  const [permission, setPermission] = useState<ProjectPermission>(
    permissions.includes('can_edit') ? 'can_edit' : (permissions[0] ?? 'can_view'),
  );
  const [missingTarget, setMissingTarget] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const share = useMutation(trpc.sharing.share.mutationOptions({ onSuccess: () => onShared() }));

  const people: Option[] = sharing.entries.flatMap((entry) =>
    entry.target.kind === 'user' && entry.target.userId !== me
      ? [
          {
            value: `user:${entry.target.userId}`,
            label: `${entry.target.name} (${entry.target.email})`,
            target: { kind: 'user', userId: entry.target.userId },
          },
        ]
      : [],
  );
  const groupOptions: Option[] = [
    ...['workspace', 'workspace_guests'].map((groupId) => ({
      value: `group:${groupId}`,
      label: `${BUILT_IN_GROUP_LABELS[groupId] ?? groupId} (everyone${groupId === 'workspace' ? '' : ' who is a Guest'})`,
      target: { kind: 'group' as const, groupId },
    })),
    ...(groups.data ?? []).map((group) => ({
      value: `group:${group.id}`,
      label: group.name,
      target: { kind: 'group' as const, groupId: group.id },
    })),
  ];
  const options = [...people, ...groupOptions];

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (share.isPending) return;
    const chosen = options.find((option) => option.value === target);
    if (!chosen) {
      setMissingTarget(true);
      return;
    }
    setMissingTarget(false);
    setDone(null);
    share.mutate(
      { projectId: sharing.projectId, target: chosen.target, permission },
      { onSuccess: () => setDone(`Shared with ${chosen.label} at ${permissionLabel(permission)}.`) },
    );
  };

  const error = missingTarget ? NO_TARGET : share.error ? quarryErrorOf(share.error) : null;

  return (
    <form className="share-form" onSubmit={submit} noValidate aria-label="Add or change a share">
      <div className="share-form-fields">
        <div className="field field-grow">
          <label htmlFor={`${id}-target`}>Person or group</label>
          <select
            id={`${id}-target`}
            value={target}
            onChange={(event) => {
              setTarget(event.target.value);
              setMissingTarget(false);
            }}
            aria-invalid={missingTarget ? true : undefined}
          >
            <option value="">Choose…</option>
            <optgroup label="People">
              {people.map((option) => (
                <option key={option.value} value={option.value}>
                  {option.label}
                </option>
              ))}
            </optgroup>
            <optgroup label="Groups">
              {groupOptions.map((option) => (
                <option key={option.value} value={option.value}>
                  {option.label}
                </option>
              ))}
            </optgroup>
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-permission`}>Permission</label>
          <select
            id={`${id}-permission`}
            value={permission}
            onChange={(event) => {
              const chosen = permissions.find((value) => value === event.target.value);
              if (chosen) setPermission(chosen);
            }}
          >
            {permissions.map((value) => (
              <option key={value} value={value}>
                {PERMISSION_LABELS[value]}
              </option>
            ))}
          </select>
        </div>
        <div className="field share-form-submit">
          <SubmitButton pending={share.isPending}>Share</SubmitButton>
        </div>
      </div>
      {error ? <ErrorMessage error={error} testId="share-error" /> : null}
      {groups.error ? <ErrorMessage error={quarryErrorOf(groups.error)} /> : null}
      <p className="muted small" role="status">
        {done}
      </p>
    </form>
  );
}
