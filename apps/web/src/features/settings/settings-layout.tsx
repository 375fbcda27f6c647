import type { WorkspaceCapabilities } from '@quarry/contracts';
import { Link, type LinkProps, Outlet, useRouterState } from '@tanstack/react-router';
import { useMe } from '../auth/use-me';
import { useWorkspaceCan } from '../auth/workspace-capabilities';

/** `needs`: the workspace capability the page's procedures require (null: every member's own page). */
type Entry = { to: NonNullable<LinkProps['to']>; label: string; needs: keyof WorkspaceCapabilities | null };

/** The settings pages, in menu order. */
export const SETTINGS_PAGES: readonly Entry[] = [
  { to: '/settings/members', label: 'Members', needs: 'manageMembers' },
  { to: '/settings/groups', label: 'Groups', needs: 'manageGroups' },
  { to: '/settings/data-sources', label: 'Data sources', needs: 'manageConnections' },
  { to: '/settings/secrets', label: 'Secrets', needs: 'manageConnections' },
  { to: '/settings/sso', label: 'Single sign-on', needs: 'manageSso' },
  { to: '/settings/audit', label: 'Audit log', needs: 'viewAudit' },
  // Admins only, as the audit log: the operations procedures need workspace:admin.
  { to: '/settings/operations', label: 'Query runner', needs: 'viewAudit' },
  { to: '/settings/sessions', label: 'My sessions', needs: null },
  { to: '/settings/tokens', label: 'API tokens', needs: null },
];

const mayOpen = (can: WorkspaceCapabilities, entry: Entry): boolean =>
  entry.needs === null || can[entry.needs];

/** Whether the caller gets the settings menu: some settings page beyond their own needs a capability they hold. */
export const hasSettingsMenu = (can: WorkspaceCapabilities): boolean =>
  SETTINGS_PAGES.some((entry) => entry.needs !== null && can[entry.needs]);

/**
 * Admins get a settings menu beside every settings page; everyone else reaches their own two pages
 * (sessions, tokens) from the header. An Admin-only page says so instead of asking the server.
 */
export function SettingsLayout() {
  const me = useMe();
  const path = useRouterState({ select: (state) => state.matches.at(-1)?.fullPath });
  const can = useWorkspaceCan();
  if (!can)
    return (
      <p className="muted" aria-busy="true">
        Loading settings…
      </p>
    );
  const page = SETTINGS_PAGES.find((entry) => entry.to === path);
  const allowed = !page || mayOpen(can, page);
  const body = allowed ? (
    <Outlet />
  ) : (
    <section aria-labelledby="admin-only-title">
      <h1 id="admin-only-title">{page?.label ?? 'Settings'}</h1>
      <p className="muted">Only Admins of {me.workspace.name} can open this page.</p>
      <p>
        <Link to="/settings/sessions">Go to My sessions</Link>
      </p>
    </section>
  );
  if (!hasSettingsMenu(can)) return body;
  return (
    <div className="settings">
      <nav className="settings-nav" aria-label="Settings">
        <p className="settings-nav-title">Settings</p>
        {SETTINGS_PAGES.filter((entry) => mayOpen(can, entry)).map((entry) => (
          <Link key={entry.to} to={entry.to}>
            {entry.label}
          </Link>
        ))}
      </nav>
      <div className="settings-page">{body}</div>
    </div>
  );
}
