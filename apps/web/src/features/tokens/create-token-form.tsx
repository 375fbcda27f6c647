import type { CreatedApiToken } from '@quarry/contracts';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import { trpc } from '../../trpc';
import { ErrorMessage } from '../../ui/error-message';
import { invalidFieldOf, quarryErrorOf } from '../../ui/quarry-error';
import { SubmitButton } from '../../ui/submit-button';

const DEFAULT_DAYS = 90;
const MAX_DAYS = 365;

const DAYS_OUT_OF_RANGE = {
  code: 'input.invalid',
  message: `Choose a whole number of days from 1 to ${MAX_DAYS}`,
  hint: 'Every token expires; make a new one when it does',
};

export function CreateTokenForm({ onCreated }: { onCreated: (created: CreatedApiToken) => void }) {
  const id = useId();
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [days, setDays] = useState(String(DEFAULT_DAYS));
  const [daysInvalid, setDaysInvalid] = useState(false);
  const create = useMutation(
    trpc.tokens.create.mutationOptions({
      onSuccess: (created) => {
        setName('');
        setDays(String(DEFAULT_DAYS));
        onCreated(created);
        return queryClient.invalidateQueries({ queryKey: trpc.tokens.list.queryKey() });
      },
    }),
  );

  const error = create.error ? quarryErrorOf(create.error) : null;
  const field = error ? invalidFieldOf(error) : null;
  const nameError = field === 'name' ? error : null;
  const daysError = daysInvalid ? DAYS_OUT_OF_RANGE : field === 'expiresInDays' ? error : null;
  const formError = error && !nameError && field !== 'expiresInDays' ? error : null;

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (create.isPending) return;
    const expiresInDays = Number(days);
    if (!Number.isInteger(expiresInDays) || expiresInDays < 1 || expiresInDays > MAX_DAYS) {
      setDaysInvalid(true);
      return;
    }
    setDaysInvalid(false);
    create.mutate({ name, expiresInDays });
  };

  return (
    <form className="token-form" onSubmit={submit} noValidate aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Create a token</h2>
      <div className="token-form-fields">
        <div className="field field-grow">
          <label htmlFor={`${id}-name`}>Name</label>
          <input
            id={`${id}-name`}
            type="text"
            maxLength={100}
            placeholder="Nightly export script"
            value={name}
            onChange={(event) => setName(event.target.value)}
            aria-invalid={nameError ? true : undefined}
            aria-describedby={nameError ? `${id}-name-error` : undefined}
          />
        </div>
        <div className="field field-days">
          <label htmlFor={`${id}-days`}>Expires in (days)</label>
          <input
            id={`${id}-days`}
            type="number"
            inputMode="numeric"
            min={1}
            max={MAX_DAYS}
            step={1}
            value={days}
            onChange={(event) => {
              setDays(event.target.value);
              setDaysInvalid(false);
            }}
            aria-invalid={daysError ? true : undefined}
            aria-describedby={daysError ? `${id}-days-help ${id}-days-error` : `${id}-days-help`}
          />
          <p className="field-help muted" id={`${id}-days-help`}>
            1 to {MAX_DAYS} days
          </p>
        </div>
      </div>
      {nameError ? <ErrorMessage error={nameError} id={`${id}-name-error`} /> : null}
      {daysError ? <ErrorMessage error={daysError} id={`${id}-days-error`} /> : null}
      {formError ? <ErrorMessage error={formError} /> : null}
      <div>
        <SubmitButton pending={create.isPending}>Create token</SubmitButton>
      </div>
    </form>
  );
}
