import { useSyncExternalStore } from 'react';

/** The SPA's pages. The API serves index.html for every path, so these are real URLs. */
export type Route =
  | { name: 'projects' }
  | { name: 'project'; projectId: string }
  | { name: 'members' }
  | { name: 'groups' }
  | { name: 'sessions' }
  | { name: 'audit' }
  | { name: 'tokens' }
  | { name: 'invite' }
  | { name: 'not-found' };

/** The settings pages, in the order the settings menu lists them. */
export type SettingsRoute = Extract<Route, { name: 'members' | 'groups' | 'audit' | 'sessions' | 'tokens' }>;

const listeners = new Set<() => void>();

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  window.addEventListener('popstate', listener);
  return () => {
    listeners.delete(listener);
    window.removeEventListener('popstate', listener);
  };
}

const currentPath = (): string => window.location.pathname;

/** Goes to a path inside the SPA without reloading. */
export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (to === currentPath() && !options.replace) return;
  if (options.replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  window.scrollTo(0, 0);
  for (const listener of listeners) listener();
}

export function usePathname(): string {
  return useSyncExternalStore(subscribe, currentPath);
}

const SETTINGS: Readonly<Record<string, SettingsRoute>> = {
  '/settings/members': { name: 'members' },
  '/settings/groups': { name: 'groups' },
  '/settings/sessions': { name: 'sessions' },
  '/settings/audit': { name: 'audit' },
  '/settings/tokens': { name: 'tokens' },
};

export function matchRoute(pathname: string): Route {
  const path = pathname.length > 1 ? pathname.replace(/\/+$/, '') : pathname;
  if (path === '/') return { name: 'projects' };
  const settings = SETTINGS[path];
  if (settings) return settings;
  const project = /^\/projects\/([^/]+)$/.exec(path);
  const id = project?.[1];
  if (id) return { name: 'project', projectId: safeDecode(id) };
  // The token is in the fragment (features/invites/invite-token.ts); `/invite/<token>` is an old link.
  if (path === '/invite' || /^\/invite\/[^/]+$/.test(path)) return { name: 'invite' };
  return { name: 'not-found' };
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

export function useRoute(): Route {
  return matchRoute(usePathname());
}

export const paths = {
  projects: '/',
  project: (projectId: string) => `/projects/${encodeURIComponent(projectId)}`,
  members: '/settings/members',
  groups: '/settings/groups',
  sessions: '/settings/sessions',
  audit: '/settings/audit',
  tokens: '/settings/tokens',
} as const;
