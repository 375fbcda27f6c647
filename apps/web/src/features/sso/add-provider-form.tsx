import type { SsoKind } from '@quarry/contracts';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import { trpc } from '../../trpc';
import { ErrorMessage } from '../../ui/error-message';
import { quarryErrorOf } from '../../ui/quarry-error';
import { SubmitButton } from '../../ui/submit-button';
import { useToast } from '../../ui/toast';
import { type ProviderField, providerFieldOf } from './provider-field-error';

const KINDS: readonly { kind: SsoKind; label: string; issuer: string }[] = [
  { kind: 'oidc', label: 'OpenID Connect', issuer: 'https://login.example.com' },
  { kind: 'google', label: 'Google Workspace', issuer: 'https://accounts.google.com' },
  { kind: 'okta', label: 'Okta', issuer: 'https://your-org.okta.com' },
];

type Form = { kind: SsoKind; name: string; issuer: string; clientId: string; clientSecret: string };
const EMPTY: Form = { kind: 'oidc', name: '', issuer: '', clientId: '', clientSecret: '' };

/**
 * Adds an identity provider. The server runs discovery before it stores anything, so a wrong
 * issuer comes back as an error next to the issuer field. The client secret is write-only: the
 * field empties once the provider is added, and no page shows it again.
 */
export function AddProviderForm() {
  const id = useId();
  const queryClient = useQueryClient();
  const toast = useToast();
  const [form, setForm] = useState<Form>(EMPTY);
  const create = useMutation(
    trpc.sso.createProvider.mutationOptions({
      onSuccess: (provider) => {
        setForm(EMPTY);
        toast(`${provider.name} added`);
        return queryClient.invalidateQueries({ queryKey: trpc.sso.listProviders.queryKey() });
      },
    }),
  );
  const error = create.error ? quarryErrorOf(create.error) : null;
  const field = error ? providerFieldOf(error) : null;
  const errorFor = (name: ProviderField) => (field === name ? error : null);
  const set = (name: keyof Form) => (event: { target: { value: string } }) =>
    setForm((current) => ({ ...current, [name]: event.target.value }));

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (create.isPending) return;
    create.mutate({
      ...form,
      name: form.name.trim(),
      issuer: form.issuer.trim(),
      clientId: form.clientId.trim(),
    });
  };

  const input = (name: Exclude<ProviderField, 'kind'>, label: string, extra: Record<string, unknown>) => {
    const fieldError = errorFor(name);
    return (
      <div className="field">
        <label htmlFor={`${id}-${name}`}>{label}</label>
        <input
          id={`${id}-${name}`}
          name={name}
          value={form[name]}
          onChange={set(name)}
          aria-invalid={fieldError ? true : undefined}
          aria-describedby={fieldError ? `${id}-${name}-error` : undefined}
          {...extra}
        />
        {fieldError ? <ErrorMessage error={fieldError} id={`${id}-${name}-error`} /> : null}
      </div>
    );
  };

  const placeholder = KINDS.find((entry) => entry.kind === form.kind)?.issuer;
  return (
    <form className="panel-form" onSubmit={submit} noValidate aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Add an identity provider</h2>
      <div className="field">
        <label htmlFor={`${id}-kind`}>Kind</label>
        <select id={`${id}-kind`} name="kind" value={form.kind} onChange={set('kind')}>
          {KINDS.map((entry) => (
            <option key={entry.kind} value={entry.kind}>
              {entry.label}
            </option>
          ))}
        </select>
      </div>
      {input('name', 'Name', { type: 'text', maxLength: 80, placeholder: 'Company login' })}
      {input('issuer', 'Issuer URL', { type: 'url', inputMode: 'url', placeholder })}
      {input('clientId', 'Client ID', { type: 'text', autoComplete: 'off', spellCheck: false })}
      {input('clientSecret', 'Client secret', { type: 'password', autoComplete: 'new-password' })}
      <p className="field-help muted">
        Quarry encrypts the client secret and never shows it again. To change it, remove the provider and add
        it anew.
      </p>
      {error && !field ? <ErrorMessage error={error} /> : null}
      <SubmitButton pending={create.isPending}>Add provider</SubmitButton>
    </form>
  );
}
