import type { SecretSummary } from '@quarry/contracts';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import { trpc } from '../../trpc';
import { Dialog } from '../../ui/dialog';
import { ErrorMessage } from '../../ui/error-message';
import { invalidFieldOf, quarryErrorOf } from '../../ui/quarry-error';
import { SubmitButton } from '../../ui/submit-button';
import { useToast } from '../../ui/toast';
import { STORED_SECRET_PLACEHOLDER } from '../connections/connection-labels';
import { GroupChecklist } from '../connections/group-checklist';
import '../connections/connections.css';

type SecretDialogProps = { secret: SecretSummary | null; onClose: () => void };

/**
 * Create or edit a shared secret. The value is write-only: never shown, never prefilled; blank on
 * edit keeps the stored one, and the field empties once saved.
 */
export function SecretDialog({ secret, onClose }: SecretDialogProps) {
  const id = useId();
  const queryClient = useQueryClient();
  const toast = useToast();
  const groups = useQuery(trpc.groups.list.queryOptions());
  const [name, setName] = useState(secret?.name ?? '');
  const [value, setValue] = useState('');
  const [groupsWithAccess, setGroups] = useState<string[]>(secret?.groupsWithAccess ?? ['workspace']);
  const done = async (saved: { name: string }) => {
    setValue('');
    toast(secret ? `${saved.name} saved` : `${saved.name} created`);
    onClose();
    await queryClient.invalidateQueries({ queryKey: trpc.secrets.list.queryKey() });
  };
  const create = useMutation(trpc.secrets.create.mutationOptions({ onSuccess: done }));
  const update = useMutation(trpc.secrets.update.mutationOptions({ onSuccess: done }));
  const pending = create.isPending || update.isPending;
  const error = (secret ? update.error : create.error)
    ? quarryErrorOf(secret ? update.error : create.error)
    : null;
  const field = error ? (error.code === 'secrets.name_taken' ? 'name' : invalidFieldOf(error)) : null;
  const errorFor = (name: string) => (field === name ? error : null);
  const formError =
    error && !errorFor('name') && !errorFor('value') && !field?.startsWith('groupsWithAccess') ? error : null;

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (pending) return;
    if (secret) {
      update.mutate({
        secretId: secret.id,
        name: name.trim(),
        groupsWithAccess,
        ...(value ? { value } : {}),
      });
    } else {
      create.mutate({ name: name.trim(), value, groupsWithAccess });
    }
  };

  const nameError = errorFor('name');
  const valueError = errorFor('value');
  return (
    <Dialog title={secret ? `Edit ${secret.name}` : 'New secret'} onClose={onClose}>
      <form className="connection-form" onSubmit={submit} noValidate aria-label="Secret">
        {formError ? <ErrorMessage error={formError} /> : null}
        <div className="field">
          <label htmlFor={`${id}-name`}>Name</label>
          <input
            id={`${id}-name`}
            type="text"
            maxLength={64}
            spellCheck={false}
            autoComplete="off"
            placeholder="STRIPE_API_KEY"
            value={name}
            onChange={(event) => setName(event.target.value)}
            aria-invalid={nameError ? true : undefined}
            aria-describedby={`${id}-name-help${nameError ? ` ${id}-name-error` : ''}`}
          />
          <p className="field-help muted" id={`${id}-name-help`}>
            Code reads the secret by this name: letters, digits and underscores.
          </p>
          {nameError ? <ErrorMessage error={nameError} id={`${id}-name-error`} /> : null}
        </div>
        <div className="field">
          <label htmlFor={`${id}-value`}>Value</label>
          <input
            id={`${id}-value`}
            type="password"
            autoComplete="new-password"
            spellCheck={false}
            placeholder={secret ? STORED_SECRET_PLACEHOLDER : undefined}
            value={value}
            onChange={(event) => setValue(event.target.value)}
            aria-invalid={valueError ? true : undefined}
            aria-describedby={`${id}-value-help${valueError ? ` ${id}-value-error` : ''}`}
          />
          <p className="field-help muted" id={`${id}-value-help`}>
            Encrypted and never shown again. Only people with Can edit or Full access on a project that
            imports it can use it in code.
          </p>
          {valueError ? <ErrorMessage error={valueError} id={`${id}-value-error`} /> : null}
        </div>
        <fieldset className="connection-section">
          <legend>Groups with access</legend>
          <p className="field-help muted">Who may import it into their projects.</p>
          {groups.data ? (
            <GroupChecklist
              label="Groups with access"
              groups={groups.data}
              selected={groupsWithAccess}
              onChange={setGroups}
            />
          ) : groups.error ? (
            <ErrorMessage error={quarryErrorOf(groups.error)} />
          ) : (
            <p className="muted">Loading groups…</p>
          )}
        </fieldset>
        <div className="form-actions">
          <SubmitButton pending={pending}>{secret ? 'Save changes' : 'Create secret'}</SubmitButton>
        </div>
      </form>
    </Dialog>
  );
}
