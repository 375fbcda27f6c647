import type { Me } from '@quarry/contracts';
import { Link, useRouterState } from '@tanstack/react-router';
import type { ReactNode } from 'react';
import { ErrorMessage } from '../../ui/error-message';
import { quarryErrorOf } from '../../ui/quarry-error';
import { Spinner } from '../../ui/spinner';
import { useSignOut } from '../auth/use-sign-out';
import { useWorkspaceCan } from '../auth/workspace-capabilities';
import { WorkspaceSwitcher } from '../auth/workspace-switcher';
import { hasSettingsMenu, SETTINGS_PAGES } from '../settings/settings-layout';

type AppShellProps = { me: Me; children: ReactNode };

/** The frame around every signed-in page: who and where you are, and the way out. */
export function AppShell({ me, children }: AppShellProps) {
  const signOut = useSignOut();
  const can = useWorkspaceCan();
  const path = useRouterState({ select: (state) => state.matches.at(-1)?.fullPath });
  const inProjects = path === '/projects/$projectId';
  const inSettings = SETTINGS_PAGES.some((entry) => entry.to === path);
  return (
    <div className="shell">
      <header className="app-header">
        <div className="app-header-inner">
          <Link to="/" className="brand">
            <img src="/favicon.svg" alt="" width="24" height="24" />
            <span>Quarry</span>
          </Link>
          <WorkspaceSwitcher me={me} />
          <nav className="app-nav" aria-label="Main">
            <Link to="/" activeOptions={{ exact: true }} aria-current={inProjects ? 'true' : undefined}>
              Projects
            </Link>
            {can && hasSettingsMenu(can) ? (
              <Link to="/settings/members" aria-current={inSettings ? 'true' : undefined}>
                Settings
              </Link>
            ) : (
              <>
                <Link to="/settings/sessions">My sessions</Link>
                <Link to="/settings/tokens">API tokens</Link>
              </>
            )}
          </nav>
          <div className="app-user">
            <span className="user-email">{me.email}</span>
            <button
              type="button"
              className="button button-quiet"
              onClick={() => signOut.mutate()}
              disabled={signOut.isPending}
              aria-busy={signOut.isPending}
            >
              {signOut.isPending ? <Spinner /> : null}
              Sign out
            </button>
          </div>
        </div>
        {signOut.error ? (
          <div className="app-header-error">
            <ErrorMessage error={quarryErrorOf(signOut.error)} />
          </div>
        ) : null}
      </header>
      <main className="page">{children}</main>
    </div>
  );
}
