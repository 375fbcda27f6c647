import { QueryClient } from '@tanstack/react-query';
import { createMemoryHistory } from '@tanstack/react-router';
import { describe, expect, it } from 'vitest';
import { legacyInviteFragment } from './features/invites/invite-token';
import { createAppRouter } from './router';

const router = createAppRouter({
  queryClient: new QueryClient(),
  history: createMemoryHistory({ initialEntries: ['/'] }),
});

/** The page a path opens (its route's id) and the params it reads. */
function open(path: string): { page: string | undefined; params: Record<string, string> } {
  const [, params, found] = router.getMatchedRoutes(path);
  return { page: found?.id, params };
}

describe('the route tree', () => {
  it.each([
    { path: '/', page: '/authed/' },
    { path: '/sign-in', page: '/sign-in' },
    { path: '/settings/tokens', page: '/authed/settings/settings/tokens' },
    { path: '/settings/tokens/', page: '/authed/settings/settings/tokens' },
    { path: '/settings/members', page: '/authed/settings/settings/members' },
    { path: '/settings/groups', page: '/authed/settings/settings/groups' },
    { path: '/settings/sessions', page: '/authed/settings/settings/sessions' },
    { path: '/settings/sso', page: '/authed/settings/settings/sso' },
    { path: '/settings/data-sources', page: '/authed/settings/settings/data-sources' },
    { path: '/settings/secrets', page: '/authed/settings/settings/secrets' },
    { path: '/settings/audit', page: '/authed/settings/settings/audit' },
    { path: '/settings', page: '/authed/$' },
    { path: '/projects/prj_123', page: '/authed/projects/$projectId', params: { projectId: 'prj_123' } },
    { path: '/projects/prj_a%20b', page: '/authed/projects/$projectId', params: { projectId: 'prj_a b' } },
    { path: '/projects', page: '/authed/$' },
    { path: '/projects/prj_1/cells', page: '/authed/$' },
    { path: '/invite', page: '/invite' },
    { path: '/invite/inv_abc/more', page: '/authed/$' },
    { path: '/nowhere', page: '/authed/$' },
  ])('opens $path as $page', ({ path, page, params }) => {
    const opened = open(path);
    expect(opened.page).toBe(page);
    if (params) expect(opened.params).toMatchObject(params);
  });

  it('answers a project id that is not valid percent-encoding with the not-found page', async () => {
    const malformed = createAppRouter({
      queryClient: new QueryClient(),
      history: createMemoryHistory({ initialEntries: ['/projects/%E0%A4%A'] }),
    });
    await malformed.load();
    // Only the root matched: it renders its not-found page, and no page below it opens.
    expect(malformed.state.matches.map((match) => match.routeId)).toEqual(['__root__']);
  });

  it('reads back the URL it builds for every page', () => {
    const built = [
      router.buildLocation({ to: '/' }),
      router.buildLocation({ to: '/sign-in', search: { redirect: '/projects/prj_1' } }),
      router.buildLocation({ to: '/invite' }),
      router.buildLocation({ to: '/projects/$projectId', params: { projectId: 'prj_x/y' } }),
      ...(['members', 'groups', 'sso', 'audit', 'sessions', 'tokens'] as const).map((page) =>
        router.buildLocation({ to: `/settings/${page}` }),
      ),
    ];
    expect(built.map((location) => location.href)).toEqual([
      '/',
      '/sign-in?redirect=%2Fprojects%2Fprj_1',
      '/invite',
      '/projects/prj_x%2Fy',
      '/settings/members',
      '/settings/groups',
      '/settings/sso',
      '/settings/audit',
      '/settings/sessions',
      '/settings/tokens',
    ]);
    expect(built.map((location) => open(location.pathname).page)).not.toContain('/authed/$');
    expect(open(built[3]?.pathname ?? '').params).toMatchObject({ projectId: 'prj_x/y' });
  });

  it('opens an old /invite/<token> link as the invitation, its token moved to the fragment', () => {
    expect(legacyInviteFragment('/invite/inv_abc.secret')).toBe('/invite#inv_abc.secret');
    expect(legacyInviteFragment('/invite/inv_abc.secret/')).toBe('/invite#inv_abc.secret');
    expect(legacyInviteFragment('/invite/inv_abc/more')).toBeNull();
    expect(open('/invite').page).toBe('/invite');
  });
});
