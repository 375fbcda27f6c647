import type { Me } from '@quarry/contracts';
import type { ReactNode } from 'react';
import { ErrorMessage } from '../../ui/error-message';
import { Link } from '../../ui/link';
import { quarryErrorOf } from '../../ui/quarry-error';
import { paths, type Route } from '../../ui/router';
import { Spinner } from '../../ui/spinner';
import { useSignOut } from '../auth/use-sign-out';
import { useWorkspaceCan } from '../auth/workspace-capabilities';
import { WorkspaceSwitcher } from '../auth/workspace-switcher';
import { hasSettingsMenu, SETTINGS_PAGES } from '../settings/settings-layout';

type AppShellProps = { me: Me; route: Route; children: ReactNode };

/** The frame around every signed-in page: who and where you are, and the way out. */
export function AppShell({ me, route, children }: AppShellProps) {
  const signOut = useSignOut();
  const can = useWorkspaceCan();
  const inProjects = route.name === 'projects' || route.name === 'project';
  const inSettings = SETTINGS_PAGES.some((entry) => entry.route === route.name);
  return (
    <div className="shell">
      <header className="app-header">
        <div className="app-header-inner">
          <Link href={paths.projects} className="brand">
            <img src="/favicon.svg" alt="" width="24" height="24" />
            <span>Quarry</span>
          </Link>
          <WorkspaceSwitcher me={me} />
          <nav className="app-nav" aria-label="Main">
            <Link
              href={paths.projects}
              aria-current={route.name === 'projects' ? 'page' : inProjects ? 'true' : undefined}
            >
              Projects
            </Link>
            {can && hasSettingsMenu(can) ? (
              <Link href={paths.members} aria-current={inSettings ? 'true' : undefined}>
                Settings
              </Link>
            ) : (
              <>
                <Link href={paths.sessions} aria-current={route.name === 'sessions' ? 'page' : undefined}>
                  My sessions
                </Link>
                <Link href={paths.tokens} aria-current={route.name === 'tokens' ? 'page' : undefined}>
                  API tokens
                </Link>
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
