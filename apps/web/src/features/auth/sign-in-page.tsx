import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import { trpc } from '../../trpc';
import { ErrorMessage } from '../../ui/error-message';
import { hasCode, invalidFieldOf, quarryErrorOf } from '../../ui/quarry-error';
import { SubmitButton } from '../../ui/submit-button';
import { markSignedIn } from './session';
import { SsoButtons } from './sso-buttons';
import { ssoErrorOf } from './sso-error';

export function SignInPage() {
  const queryClient = useQueryClient();
  const id = useId();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [workspaceId, setWorkspaceId] = useState('');
  const [ssoError] = useState(() => ssoErrorOf(window.location.search));
  const signIn = useMutation(
    trpc.auth.signIn.mutationOptions({
      // The sign-in route then leaves for the page the visitor was going to, dropping ?sso_error=.
      onSuccess: (me) => markSignedIn(queryClient, me),
    }),
  );

  const error = signIn.error ? quarryErrorOf(signIn.error) : null;
  // Someone in several workspaces chooses one: the server lists them once the password is right.
  const [choices, setChoices] = useState<NonNullable<typeof error>['choices']>(undefined);
  if (hasCode(error, 'auth.workspace_required') && error?.choices && error.choices !== choices) {
    setChoices(error.choices);
    if (!workspaceId) setWorkspaceId(error.choices[0]?.id ?? '');
  }
  const field = error ? invalidFieldOf(error) : null;
  const emailError = field === 'email' ? error : null;
  const passwordError = field === 'password' ? error : null;
  const formError =
    error && !emailError && !passwordError && !hasCode(error, 'auth.workspace_required') ? error : null;

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (signIn.isPending) return;
    signIn.mutate({ email, password, ...(choices && workspaceId ? { workspaceId } : {}) });
  };

  return (
    <main className="sign-in">
      <form className="sign-in-card" onSubmit={submit} noValidate aria-labelledby={`${id}-title`}>
        <div className="brand brand-large">
          <img src="/favicon.svg" alt="" width="32" height="32" />
          <span>Quarry</span>
        </div>
        <h1 id={`${id}-title`}>Sign in to your workspace</h1>
        {ssoError ? <ErrorMessage error={ssoError} testId="sso-error" /> : null}
        <SsoButtons />
        <div className="field">
          <label htmlFor={`${id}-email`}>Email</label>
          <input
            id={`${id}-email`}
            name="email"
            type="email"
            autoComplete="username"
            required
            value={email}
            onChange={(event) => setEmail(event.target.value)}
            aria-invalid={emailError ? true : undefined}
            aria-describedby={emailError ? `${id}-email-error` : undefined}
          />
          {emailError ? <ErrorMessage error={emailError} id={`${id}-email-error`} /> : null}
        </div>
        <div className="field">
          <label htmlFor={`${id}-password`}>Password</label>
          <input
            id={`${id}-password`}
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(event) => setPassword(event.target.value)}
            aria-invalid={passwordError ? true : undefined}
            aria-describedby={passwordError ? `${id}-password-error` : undefined}
          />
          {passwordError ? <ErrorMessage error={passwordError} id={`${id}-password-error`} /> : null}
        </div>
        {choices ? (
          <div className="field">
            <label htmlFor={`${id}-workspace`}>Workspace</label>
            <p className="field-help">You belong to several workspaces: choose the one to sign in to.</p>
            <select
              id={`${id}-workspace`}
              name="workspace"
              value={workspaceId}
              onChange={(event) => setWorkspaceId(event.target.value)}
            >
              {choices.map((choice) => (
                <option key={choice.id} value={choice.id}>
                  {choice.name}
                </option>
              ))}
            </select>
          </div>
        ) : null}
        {formError ? <ErrorMessage error={formError} /> : null}
        <SubmitButton pending={signIn.isPending} className="button-block">
          Sign in
        </SubmitButton>
      </form>
    </main>
  );
}
