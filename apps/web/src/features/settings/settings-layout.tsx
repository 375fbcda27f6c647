import type { Me } from '@quarry/contracts';
import type { ReactNode } from 'react';
import { Link } from '../../ui/link';
import { paths, type SettingsRoute } from '../../ui/router';

type Entry = { route: SettingsRoute['name']; href: string; label: string; adminOnly: boolean };

/** The settings pages, in menu order. */
export const SETTINGS_PAGES: readonly Entry[] = [
  { route: 'members', href: paths.members, label: 'Members', adminOnly: true },
  { route: 'groups', href: paths.groups, label: 'Groups', adminOnly: true },
  { route: 'audit', href: paths.audit, label: 'Audit log', adminOnly: true },
  { route: 'sessions', href: paths.sessions, label: 'My sessions', adminOnly: false },
  { route: 'tokens', href: paths.tokens, label: 'API tokens', adminOnly: false },
];

export const isAdmin = (me: Me): boolean => me.workspace.role === 'admin';

type SettingsLayoutProps = { me: Me; route: SettingsRoute; children: ReactNode };

/**
 * Admins get a settings menu beside every settings page; everyone else reaches their own two pages
 * (sessions, tokens) from the header. An Admin-only page says so instead of asking the server.
 */
export function SettingsLayout({ me, route, children }: SettingsLayoutProps) {
  const admin = isAdmin(me);
  const page = SETTINGS_PAGES.find((entry) => entry.route === route.name);
  const allowed = admin || !page?.adminOnly;
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
  if (!admin) return body;
  return (
    <div className="settings">
      <nav className="settings-nav" aria-label="Settings">
        <p className="settings-nav-title">Settings</p>
        {SETTINGS_PAGES.map((entry) => (
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
