import type { InvitePreview, Me, QuarryErrorCode } from '@quarry/contracts';
import { type UseMutationResult, useMutation, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate } from '@tanstack/react-router';
import { type FormEvent, type ReactNode, useEffect, useId, useState } from 'react';
import { trpc } from '../../trpc';
import { ErrorMessage } from '../../ui/error-message';
import { roleLabel } from '../../ui/labels';
import { hasCode, invalidFieldOf, quarryErrorOf } from '../../ui/quarry-error';
import { Spinner } from '../../ui/spinner';
import { SubmitButton } from '../../ui/submit-button';
import { markSignedIn, markSignedOut, useSession } from '../auth/session';
import { useInviteToken } from './invite-token';

const MIN_PASSWORD = 8;

const SHORT_PASSWORD = {
  code: 'input.invalid',
  message: `Passwords have at least ${MIN_PASSWORD} characters`,
  hint: 'A few words you will remember make a good password',
};

const NO_NAME = { code: 'input.invalid', message: 'Enter your name', hint: 'Others see it when you share' };

/** Codes that mean the link itself will never work: show the dead-end page, not a retry. */
const DEAD_LINK: QuarryErrorCode[] = ['invites.invalid', 'input.invalid', 'not_found.invite'];

function Card({ titleId, children }: { titleId: string; children: ReactNode }) {
  return (
    <main className="sign-in">
      <section className="sign-in-card" aria-labelledby={titleId}>
        <div className="brand brand-large">
          <img src="/favicon.svg" alt="" width="32" height="32" />
          <span>Quarry</span>
        </div>
        {children}
      </section>
    </main>
  );
}

/** Which workspace, which email, which role: the same on both ways of joining. */
function InviteHeading({ titleId, invite }: { titleId: string; invite: InvitePreview }) {
  return (
    <>
      <h1 id={titleId}>Join {invite.workspaceName}</h1>
      <dl className="invite-facts">
        <dt>Email</dt>
        <dd data-testid="invite-email">{invite.email}</dd>
        <dt>Role</dt>
        <dd data-testid="invite-role">{roleLabel(invite.role)}</dd>
      </dl>
    </>
  );
}

/**
 * `/invite#<token>`: no sign-in needed. Shows the invitation, then creates the account and signs in.
 * The token stays in the fragment and goes to the API only in POST bodies (AUTH-8).
 */
export function InvitePage() {
  const token = useInviteToken();
  return <Invitation key={token} token={token} />;
}

function Invitation({ token }: { token: string }) {
  const id = useId();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const session = useSession().data;
  // A POST, not a query: the token never goes into a URL. Asked once per token.
  const preview = useMutation(trpc.invites.preview.mutationOptions());
  const { mutate: openInvite } = preview;
  useEffect(() => openInvite({ token }), [openInvite, token]);
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [local, setLocal] = useState<'name' | 'password' | null>(null);
  const onJoined = (me: Me) => {
    // Whoever was signed in before, the new session's cookie replaced theirs.
    markSignedOut(queryClient);
    markSignedIn(queryClient, me);
    navigate({ to: '/', replace: true });
  };
  const accept = useMutation(trpc.invites.accept.mutationOptions({ onSuccess: onJoined }));
  const join = useMutation(trpc.invites.join.mutationOptions({ onSuccess: onJoined }));

  if (preview.isIdle || preview.isPending) {
    return (
      <Card titleId={`${id}-title`}>
        <h1 id={`${id}-title`}>Opening your invitation…</h1>
        <p className="muted" aria-busy="true">
          <Spinner /> Checking the link
        </p>
      </Card>
    );
  }

  if (preview.error) {
    const error = quarryErrorOf(preview.error);
    const dead = hasCode(error, ...DEAD_LINK);
    return (
      <Card titleId={`${id}-title`}>
        <h1 id={`${id}-title`}>
          {dead ? 'This invitation cannot be used' : 'The invitation could not be opened'}
        </h1>
        <ErrorMessage error={error} testId="invite-error">
          {dead ? null : (
            <button type="button" className="button" onClick={() => preview.mutate({ token })}>
              Try again
            </button>
          )}
        </ErrorMessage>
        <p className="invite-footer">
          <Link to="/sign-in">Go to sign-in</Link>
        </p>
      </Card>
    );
  }

  const invite = preview.data;
  if (invite.hasAccount) {
    return <JoinWithAccount titleId={`${id}-title`} token={token} invite={invite} join={join} />;
  }
  const error = accept.error ? quarryErrorOf(accept.error) : null;
  const field = error ? invalidFieldOf(error) : null;
  const nameError = local === 'name' ? NO_NAME : field === 'name' ? error : null;
  const passwordError = local === 'password' ? SHORT_PASSWORD : field === 'password' ? error : null;
  const formError = error && field !== 'name' && field !== 'password' ? error : null;

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (accept.isPending) return;
    const problem = !name.trim() ? 'name' : password.length < MIN_PASSWORD ? 'password' : null;
    setLocal(problem);
    if (problem) return;
    accept.mutate({ token, name: name.trim(), password });
  };

  return (
    <Card titleId={`${id}-title`}>
      <InviteHeading titleId={`${id}-title`} invite={invite} />
      {session ? (
        <p className="muted small">
          You are signed in as {session.email}. Joining signs you in as {invite.email} instead.
        </p>
      ) : null}
      <form onSubmit={submit} noValidate aria-label="Create your account">
        <div className="field">
          <label htmlFor={`${id}-name`}>Your name</label>
          <input
            id={`${id}-name`}
            type="text"
            autoComplete="name"
            maxLength={120}
            value={name}
            onChange={(event) => {
              setName(event.target.value);
              if (local === 'name') setLocal(null);
            }}
            aria-invalid={nameError ? true : undefined}
            aria-describedby={nameError ? `${id}-name-error` : undefined}
          />
          {nameError ? <ErrorMessage error={nameError} id={`${id}-name-error`} /> : null}
        </div>
        <div className="field">
          <label htmlFor={`${id}-password`}>Password</label>
          <input
            id={`${id}-password`}
            type="password"
            autoComplete="new-password"
            minLength={MIN_PASSWORD}
            value={password}
            onChange={(event) => {
              setPassword(event.target.value);
              if (local === 'password') setLocal(null);
            }}
            aria-invalid={passwordError ? true : undefined}
            aria-describedby={
              passwordError ? `${id}-password-help ${id}-password-error` : `${id}-password-help`
            }
          />
          <p className="field-help muted" id={`${id}-password-help`}>
            At least {MIN_PASSWORD} characters
          </p>
          {passwordError ? <ErrorMessage error={passwordError} id={`${id}-password-error`} /> : null}
        </div>
        {formError ? <ErrorMessage error={formError} /> : null}
        <SubmitButton pending={accept.isPending} className="button-block">
          Join workspace
        </SubmitButton>
      </form>
    </Card>
  );
}

/**
 * The invited email already has an account (in another workspace): its owner joins with that
 * account's password, and lands in the workspace they were invited to.
 */
function JoinWithAccount({
  titleId,
  token,
  invite,
  join,
}: {
  titleId: string;
  token: string;
  invite: InvitePreview;
  join: UseMutationResult<Me, unknown, { token: string; password: string }>;
}) {
  const id = useId();
  const [password, setPassword] = useState('');
  const error = join.error ? quarryErrorOf(join.error) : null;
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (join.isPending || !password) return;
    join.mutate({ token, password });
  };
  return (
    <Card titleId={titleId}>
      <InviteHeading titleId={titleId} invite={invite} />
      <p className="muted small">
        {invite.email} already has a Quarry account. Enter its password to add {invite.workspaceName} to your
        workspaces.
      </p>
      <form onSubmit={submit} noValidate aria-label="Join with your account">
        <div className="field">
          <label htmlFor={`${id}-password`}>Password</label>
          <input
            id={`${id}-password`}
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(event) => setPassword(event.target.value)}
          />
        </div>
        {error ? <ErrorMessage error={error} /> : null}
        <SubmitButton pending={join.isPending} className="button-block">
          Join workspace
        </SubmitButton>
      </form>
    </Card>
  );
}
