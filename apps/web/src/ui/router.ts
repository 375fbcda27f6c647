import { useSyncExternalStore } from 'react';

/** The SPA's pages. The API serves index.html for every path, so these are real URLs. */
export type Route =
  | { name: 'projects' }
  | { name: 'project'; projectId: string }
  | { name: 'tokens' }
  | { name: 'not-found' };

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

export function matchRoute(pathname: string): Route {
  const path = pathname.length > 1 ? pathname.replace(/\/+$/, '') : pathname;
  if (path === '/') return { name: 'projects' };
  if (path === '/settings/tokens') return { name: 'tokens' };
  const project = /^\/projects\/([^/]+)$/.exec(path);
  const id = project?.[1];
  if (id) return { name: 'project', projectId: safeDecode(id) };
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
  tokens: '/settings/tokens',
} as const;
