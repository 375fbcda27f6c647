import type { Me, WorkspaceCapabilities } from '@quarry/contracts';
import type { ReactNode } from 'react';
import { Link } from '../../ui/link';
import { paths, type SettingsRoute } from '../../ui/router';
import { useWorkspaceCan } from '../auth/workspace-capabilities';

/** `needs`: the workspace capability the page's procedures require (null: every member's own page). */
type Entry = {
  route: SettingsRoute['name'];
  href: string;
  label: string;
  needs: keyof WorkspaceCapabilities | null;
};

/** The settings pages, in menu order. */
export const SETTINGS_PAGES: readonly Entry[] = [
  { route: 'members', href: paths.members, label: 'Members', needs: 'manageMembers' },
  { route: 'groups', href: paths.groups, label: 'Groups', needs: 'manageGroups' },
  { route: 'audit', href: paths.audit, label: 'Audit log', needs: 'viewAudit' },
  { route: 'sessions', href: paths.sessions, label: 'My sessions', needs: null },
  { route: 'tokens', href: paths.tokens, label: 'API tokens', needs: null },
];

const mayOpen = (can: WorkspaceCapabilities, entry: Entry): boolean =>
  entry.needs === null || can[entry.needs];

/** Whether the caller gets the settings menu: some settings page beyond their own needs a capability they hold. */
export const hasSettingsMenu = (can: WorkspaceCapabilities): boolean =>
  SETTINGS_PAGES.some((entry) => entry.needs !== null && can[entry.needs]);

type SettingsLayoutProps = { me: Me; route: SettingsRoute; children: ReactNode };

/**
 * Admins get a settings menu beside every settings page; everyone else reaches their own two pages
 * (sessions, tokens) from the header. An Admin-only page says so instead of asking the server.
 */
export function SettingsLayout({ me, route, children }: SettingsLayoutProps) {
  const can = useWorkspaceCan();
  if (!can)
    return (
      <p className="muted" aria-busy="true">
        Loading settings…
      </p>
    );
  const page = SETTINGS_PAGES.find((entry) => entry.route === route.name);
  const allowed = !page || mayOpen(can, page);
  const body = allowed ? (
    children
  ) : (
    <section aria-labelledby="admin-only-title">
      <h1 id="admin-only-title">{page?.label ?? 'Settings'}</h1>
      <p className="muted">Only Admins of {me.workspace.name} can open this page.</p>
      <p>
        <Link href={paths.sessions}>Go to My sessions</Link>
      </p>
    </section>
  );
  if (!hasSettingsMenu(can)) return body;
  return (
    <div className="settings">
      <nav className="settings-nav" aria-label="Settings">
        <p className="settings-nav-title">Settings</p>
        {SETTINGS_PAGES.filter((entry) => mayOpen(can, entry)).map((entry) => (
          <Link
            key={entry.route}
            href={entry.href}
            aria-current={entry.route === route.name ? 'page' : undefined}
          >
            {entry.label}
          </Link>
        ))}
      </nav>
      <div className="settings-page">{body}</div>
    </div>
  );
}
