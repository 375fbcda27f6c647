import type { WorkspaceRole } from '@quarry/contracts';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import { trpc } from '../../trpc';
import { ErrorMessage } from '../../ui/error-message';
import { ROLE_LABELS, ROLES } from '../../ui/labels';
import { invalidFieldOf, quarryErrorOf } from '../../ui/quarry-error';
import { SubmitButton } from '../../ui/submit-button';
import type { CreatedInvite } from './invite-link-notice';

/** Invite someone by email with a role; the link to send them comes back once. */
export function InviteForm({ onCreated }: { onCreated: (created: CreatedInvite) => void }) {
  const id = useId();
  const queryClient = useQueryClient();
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<WorkspaceRole>('editor');
  const create = useMutation(
    trpc.invites.create.mutationOptions({
      onSuccess: (created) => {
        setEmail('');
        onCreated(created);
        return queryClient.invalidateQueries({ queryKey: trpc.invites.list.queryKey() });
      },
    }),
  );

  const error = create.error ? quarryErrorOf(create.error) : null;
  const emailError = error && invalidFieldOf(error) === 'email' ? error : null;
  const formError = error && !emailError ? error : null;

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (create.isPending) return;
    create.mutate({ email, role });
  };

  return (
    <form className="panel-form" onSubmit={submit} noValidate aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Invite someone</h2>
      <div className="form-row">
        <div className="field field-grow">
          <label htmlFor={`${id}-email`}>Email</label>
          <input
            id={`${id}-email`}
            type="email"
            autoComplete="off"
            placeholder="ada@example.com"
            value={email}
            onChange={(event) => setEmail(event.target.value)}
            aria-invalid={emailError ? true : undefined}
            aria-describedby={emailError ? `${id}-email-error` : undefined}
          />
        </div>
        <div className="field">
          <label htmlFor={`${id}-role`}>Role</label>
          <select
            id={`${id}-role`}
            value={role}
            onChange={(event) => {
              const chosen = ROLES.find((value) => value === event.target.value);
              if (chosen) setRole(chosen);
            }}
          >
            {ROLES.map((value) => (
              <option key={value} value={value}>
                {ROLE_LABELS[value]}
              </option>
            ))}
          </select>
        </div>
        <div className="field form-row-submit">
          <SubmitButton pending={create.isPending}>Send invite</SubmitButton>
        </div>
      </div>
      {emailError ? <ErrorMessage error={emailError} id={`${id}-email-error`} /> : null}
      {formError ? <ErrorMessage error={formError} /> : null}
    </form>
  );
}
