import { useQuery } from '@tanstack/react-query';
import { trpc } from '../../trpc';

export const ssoStartPath = (providerId: string): string =>
  `/auth/sso/${encodeURIComponent(providerId)}/start`;

/**
 * "Continue with <provider>" links above the password form. An error or no providers both leave the
 * page as it was: no buttons, and the password form still works.
 */
export function SsoButtons() {
  const options = useQuery(trpc.sso.signInOptions.queryOptions(undefined, { staleTime: 60_000 }));
  const providers = options.data?.providers ?? [];
  if (providers.length === 0) return null;
  return (
    <div className="sso">
      <ul className="sso-list">
        {providers.map((provider) => (
          <li key={provider.id}>
            {/*
              A form POST from this page, never a link: the server starts a sign-in only for a
              same-origin POST, so another site cannot start one (login CSRF). It answers with a
              redirect to the identity provider.
            */}
            <form method="post" action={ssoStartPath(provider.id)}>
              <button type="submit" className="button button-block sso-button" data-kind={provider.kind}>
                Continue with {provider.name}
              </button>
            </form>
          </li>
        ))}
      </ul>
      <p className="sso-divider" aria-hidden="true">
        <span>or</span>
      </p>
    </div>
  );
}
