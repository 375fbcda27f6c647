import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import { trpc } from '../../trpc';
import { ErrorMessage } from '../../ui/error-message';
import { quarryErrorOf } from '../../ui/quarry-error';
import { SubmitButton } from '../../ui/submit-button';

export function CreateGroupForm() {
  const id = useId();
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const create = useMutation(
    trpc.groups.create.mutationOptions({
      onSuccess: () => {
        setName('');
        return queryClient.invalidateQueries({ queryKey: trpc.groups.list.queryKey() });
      },
    }),
  );
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (create.isPending) return;
    create.mutate({ name });
  };
  return (
    <form className="panel-form" onSubmit={submit} noValidate aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Create a group</h2>
      <div className="form-row">
        <div className="field field-grow">
          <label htmlFor={`${id}-name`}>Group name</label>
          <input
            id={`${id}-name`}
            type="text"
            maxLength={80}
            placeholder="Finance analysts"
            value={name}
            onChange={(event) => setName(event.target.value)}
            aria-invalid={create.error ? true : undefined}
          />
        </div>
        <div className="field form-row-submit">
          <SubmitButton pending={create.isPending}>Create group</SubmitButton>
        </div>
      </div>
      {create.error ? <ErrorMessage error={quarryErrorOf(create.error)} /> : null}
    </form>
  );
}
