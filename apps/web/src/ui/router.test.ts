import { describe, expect, it } from 'vitest';
import { matchRoute, paths } from './router';

describe('matchRoute', () => {
  it.each([
    { path: '/', route: { name: 'projects' } },
    { path: '/settings/tokens', route: { name: 'tokens' } },
    { path: '/settings/tokens/', route: { name: 'tokens' } },
    { path: '/settings/members', route: { name: 'members' } },
    { path: '/settings/groups', route: { name: 'groups' } },
    { path: '/settings/sessions', route: { name: 'sessions' } },
    { path: '/settings/audit', route: { name: 'audit' } },
    { path: '/settings', route: { name: 'not-found' } },
    { path: '/projects/prj_123', route: { name: 'project', projectId: 'prj_123' } },
    { path: '/projects/prj_a%20b', route: { name: 'project', projectId: 'prj_a b' } },
    { path: '/projects/%E0%A4%A', route: { name: 'project', projectId: '%E0%A4%A' } },
    { path: '/projects', route: { name: 'not-found' } },
    { path: '/projects/prj_1/cells', route: { name: 'not-found' } },
    { path: '/invite', route: { name: 'invite' } },
    { path: '/invite/inv_abc.secret', route: { name: 'invite' } },
    { path: '/invite/inv_abc/more', route: { name: 'not-found' } },
    { path: '/nowhere', route: { name: 'not-found' } },
  ])('reads $path', ({ path, route }) => {
    expect(matchRoute(path)).toEqual(route);
  });

  it('reads back the path it builds for a project', () => {
    expect(matchRoute(paths.project('prj_x/y'))).toEqual({ name: 'project', projectId: 'prj_x/y' });
  });
});
