import { SsoSettings, type WorkspaceRole } from '@quarry/contracts';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import { type RouterOutputs, trpc } from '../../trpc';
import { ErrorMessage } from '../../ui/error-message';
import { roleLabel } from '../../ui/labels';
import { invalidFieldOf, quarryErrorOf } from '../../ui/quarry-error';
import { QueryState } from '../../ui/query-state';
import { SubmitButton } from '../../ui/submit-button';
import { useToast } from '../../ui/toast';

type Settings = RouterOutputs['sso']['getSettings'];

/** The roles SSO may give a new member, as the contract lists them (never Admin). */
const DEFAULT_ROLES: readonly Exclude<WorkspaceRole, 'admin'>[] = SsoSettings.shape.defaultRole.options;

/** Domains as typed: one per line, or separated by commas or spaces. */
const domainsOf = (text: string): string[] =>
  text
    .split(/[\s,]+/)
    .map((domain) => domain.trim())
    .filter(Boolean);

function SettingsForm({ saved }: { saved: Settings }) {
  const id = useId();
  const queryClient = useQueryClient();
  const toast = useToast();
  const [domains, setDomains] = useState(saved.allowedEmailDomains.join('\n'));
  const [defaultRole, setDefaultRole] = useState(saved.defaultRole);
  const [ssoRequired, setSsoRequired] = useState(saved.ssoRequired);
  const update = useMutation(
    trpc.sso.updateSettings.mutationOptions({
      onSuccess: (next) => {
        queryClient.setQueryData(trpc.sso.getSettings.queryKey(), next);
        setDomains(next.allowedEmailDomains.join('\n'));
        toast('Single sign-on settings saved');
      },
    }),
  );
  const error = update.error ? quarryErrorOf(update.error) : null;
  const field = error ? invalidFieldOf(error) : null;
  const domainsError = field?.startsWith('allowedEmailDomains') ? error : null;
  // The API refuses "required" while the workspace has no provider (sso.no_provider).
  const requiredError = error?.code === 'sso.no_provider' ? error : null;
  const formError = error && !domainsError && !requiredError ? error : null;

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (update.isPending) return;
    update.mutate({ allowedEmailDomains: domainsOf(domains), defaultRole, ssoRequired });
  };

  return (
    <form className="panel-form" onSubmit={submit} noValidate aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Who may join through single sign-on</h2>
      <div className="field">
        <label htmlFor={`${id}-domains`}>Allowed email domains</label>
        <p className="field-help muted" id={`${id}-domains-help`}>
          One per line, such as example.com. People with a verified email at one of these domains join the
          workspace at their first sign-in; nobody else does without an invitation.
        </p>
        <textarea
          id={`${id}-domains`}
          name="domains"
          rows={3}
          value={domains}
          onChange={(event) => setDomains(event.target.value)}
          aria-invalid={domainsError ? true : undefined}
          aria-describedby={domainsError ? `${id}-domains-help ${id}-domains-error` : `${id}-domains-help`}
        />
        {domainsError ? <ErrorMessage error={domainsError} id={`${id}-domains-error`} /> : null}
      </div>
      <div className="field">
        <label htmlFor={`${id}-role`}>Role for new members</label>
        <select
          id={`${id}-role`}
          name="defaultRole"
          value={defaultRole}
          onChange={(event) => {
            const next = DEFAULT_ROLES.find((role) => role === event.target.value);
            if (next) setDefaultRole(next);
          }}
        >
          {DEFAULT_ROLES.map((role) => (
            <option key={role} value={role}>
              {roleLabel(role)}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label className="checkbox" htmlFor={`${id}-required`}>
          <input
            id={`${id}-required`}
            type="checkbox"
            checked={ssoRequired}
            onChange={(event) => setSsoRequired(event.target.checked)}
            aria-invalid={requiredError ? true : undefined}
            aria-describedby={requiredError ? `${id}-required-error` : `${id}-required-help`}
          />
          Require single sign-on
        </label>
        <p className="field-help muted" id={`${id}-required-help`}>
          Members then sign in only through an identity provider of this workspace, not with a password.
        </p>
        {requiredError ? <ErrorMessage error={requiredError} id={`${id}-required-error`} /> : null}
      </div>
      {formError ? <ErrorMessage error={formError} /> : null}
      <SubmitButton pending={update.isPending}>Save settings</SubmitButton>
    </form>
  );
}

export function SsoSettingsForm() {
  const settings = useQuery(trpc.sso.getSettings.queryOptions());
  return (
    <QueryState query={settings} loading="Loading single sign-on settings…">
      {(saved) => <SettingsForm saved={saved} />}
    </QueryState>
  );
}
