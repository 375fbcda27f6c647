import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import { trpc } from '../../trpc';
import { ErrorMessage } from '../../ui/error-message';
import { hasCode, invalidFieldOf, quarryErrorOf } from '../../ui/quarry-error';
import { SubmitButton } from '../../ui/submit-button';

/** A new password ends every other session and revokes every API token; this browser stays signed in. */
export function ChangePasswordForm() {
  const id = useId();
  const queryClient = useQueryClient();
  const [currentPassword, setCurrentPassword] = useState('');
  const [newPassword, setNewPassword] = useState('');
  const change = useMutation(
    trpc.sessions.changePassword.mutationOptions({
      onSuccess: () => {
        setCurrentPassword('');
        setNewPassword('');
        return Promise.all([
          queryClient.invalidateQueries({ queryKey: trpc.sessions.list.queryKey() }),
          queryClient.invalidateQueries({ queryKey: trpc.tokens.list.queryKey() }),
        ]);
      },
    }),
  );

  const error = change.error ? quarryErrorOf(change.error) : null;
  const field = error ? invalidFieldOf(error) : null;
  // A wrong current password answers auth.invalid_credentials: it belongs to the first field.
  const currentError =
    hasCode(error, 'auth.invalid_credentials') || field === 'currentPassword' ? error : null;
  const newError = field === 'newPassword' ? error : null;
  const formError = error && !currentError && !newError ? error : null;

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (change.isPending) return;
    change.mutate({ currentPassword, newPassword });
  };

  return (
    <form className="panel-form" onSubmit={submit} noValidate aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Change password</h2>
      <p className="muted small">
        Changing it signs you out everywhere else and revokes your API tokens. You stay signed in here.
      </p>
      <div className="form-row">
        <div className="field field-grow">
          <label htmlFor={`${id}-current`}>Current password</label>
          <input
            id={`${id}-current`}
            type="password"
            autoComplete="current-password"
            value={currentPassword}
            onChange={(event) => setCurrentPassword(event.target.value)}
            aria-invalid={currentError ? true : undefined}
            aria-describedby={currentError ? `${id}-current-error` : undefined}
          />
          {currentError ? <ErrorMessage error={currentError} id={`${id}-current-error`} /> : null}
        </div>
        <div className="field field-grow">
          <label htmlFor={`${id}-new`}>New password</label>
          <input
            id={`${id}-new`}
            type="password"
            autoComplete="new-password"
            minLength={8}
            value={newPassword}
            onChange={(event) => setNewPassword(event.target.value)}
            aria-invalid={newError ? true : undefined}
            aria-describedby={newError ? `${id}-new-help ${id}-new-error` : `${id}-new-help`}
          />
          <p className="field-help muted" id={`${id}-new-help`}>
            At least 8 characters
          </p>
          {newError ? <ErrorMessage error={newError} id={`${id}-new-error`} /> : null}
        </div>
      </div>
      {formError ? <ErrorMessage error={formError} /> : null}
      <div className="form-actions">
        <SubmitButton pending={change.isPending}>Change password</SubmitButton>
        <span className="muted small" role="status">
          {change.isSuccess ? 'Password changed. Every other session and API token has ended.' : null}
        </span>
      </div>
    </form>
  );
}
