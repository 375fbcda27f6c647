import type { QueryClient } from '@tanstack/react-query';
import {
  createRootRouteWithContext,
  createRoute,
  createRouter,
  Outlet,
  type RouterHistory,
} from '@tanstack/react-router';
import type { ReactNode } from 'react';
import { AuditPage } from './features/audit/audit-page';
import {
  leaveSignInWhenSignedIn,
  requireSession,
  SessionError,
  type SignInSearch,
  Splash,
} from './features/auth/auth-gate';
import { AuthedLayout } from './features/auth/authed-layout';
import { SignInPage } from './features/auth/sign-in-page';
import { DataSourcesPage } from './features/connections/data-sources-page';
import { GroupsPage } from './features/groups/groups-page';
import { InvitePage } from './features/invites/invite-page';
import { MembersPage } from './features/members/members-page';
import { OperationsPage } from './features/operations/operations-page';
import { ProjectPage } from './features/projects/project-page';
import { ProjectsPage } from './features/projects/projects-page';
import { SecretsPage } from './features/secrets/secrets-page';
import { SessionsPage } from './features/sessions/sessions-page';
import { SettingsLayout } from './features/settings/settings-layout';
import { NotFoundPage } from './features/shell/not-found-page';
import { SsoPage } from './features/sso/sso-page';
import { TokensPage } from './features/tokens/tokens-page';

/**
 * The SPA's pages, code-based (no generated route file). The API serves index.html for every path,
 * so each of these is a real URL that survives a reload and can be shared.
 */
const rootRoute = createRootRouteWithContext<{ queryClient: QueryClient }>()({
  component: Outlet,
  // Only a path no route can read gets here (a project id that is not valid percent-encoding).
  notFoundComponent: () => (
    <main className="page">
      <NotFoundPage />
    </main>
  ),
});

const signInRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: 'sign-in',
  validateSearch: (search: Record<string, unknown>): SignInSearch => ({
    ...(typeof search.redirect === 'string' ? { redirect: search.redirect } : {}),
    ...(typeof search.sso_error === 'string' ? { sso_error: search.sso_error } : {}),
  }),
  beforeLoad: ({ context, search }) => leaveSignInWhenSignedIn({ queryClient: context.queryClient, search }),
  component: SignInPage,
  pendingComponent: () => <Splash />,
  errorComponent: SessionError,
});

/**
 * `/invite#<token>` opens without an account: joining creates one. The token lives in the fragment
 * (AUTH-8); main.tsx moves an old `/invite/<token>` there before the router reads the URL.
 */
const inviteRoute = createRoute({ getParentRoute: () => rootRoute, path: 'invite', component: InvitePage });

const authedRoute = createRoute({
  getParentRoute: () => rootRoute,
  id: 'authed',
  beforeLoad: ({ context, location }) => requireSession({ queryClient: context.queryClient, location }),
  component: AuthedLayout,
  pendingComponent: () => <Splash />,
  errorComponent: SessionError,
});

const projectsRoute = createRoute({ getParentRoute: () => authedRoute, path: '/', component: ProjectsPage });

const projectRoute = createRoute({
  getParentRoute: () => authedRoute,
  path: 'projects/$projectId',
  component: function Project() {
    const { projectId } = projectRoute.useParams();
    return <ProjectPage key={projectId} projectId={projectId} />;
  },
});

/** Pathless, so `/settings` alone is not a page: each settings page has its own address. */
const settingsRoute = createRoute({
  getParentRoute: () => authedRoute,
  id: 'settings',
  component: SettingsLayout,
});

const settingsPage = <const Path extends `settings/${string}`>(path: Path, component: () => ReactNode) =>
  createRoute({ getParentRoute: () => settingsRoute, path, component });

const membersRoute = settingsPage('settings/members', MembersPage);
const groupsRoute = settingsPage('settings/groups', GroupsPage);
const dataSourcesRoute = settingsPage('settings/data-sources', DataSourcesPage);
const secretsRoute = settingsPage('settings/secrets', SecretsPage);
const ssoRoute = settingsPage('settings/sso', SsoPage);
const auditRoute = settingsPage('settings/audit', AuditPage);
const operationsRoute = settingsPage('settings/operations', OperationsPage);
const sessionsRoute = settingsPage('settings/sessions', SessionsPage);
const tokensRoute = settingsPage('settings/tokens', TokensPage);

/** Inside the gate: a signed-in person sees "not found" in the app's frame, anyone else signs in. */
const notFoundRoute = createRoute({ getParentRoute: () => authedRoute, path: '$', component: NotFoundPage });

export const routeTree = rootRoute.addChildren([
  signInRoute,
  inviteRoute,
  authedRoute.addChildren([
    projectsRoute,
    projectRoute,
    settingsRoute.addChildren([
      membersRoute,
      groupsRoute,
      dataSourcesRoute,
      secretsRoute,
      ssoRoute,
      auditRoute,
      operationsRoute,
      sessionsRoute,
      tokensRoute,
    ]),
    notFoundRoute,
  ]),
]);

export function createAppRouter({
  queryClient,
  history,
}: {
  queryClient: QueryClient;
  history?: RouterHistory;
}) {
  return createRouter({ routeTree, context: { queryClient }, ...(history ? { history } : {}) });
}

declare module '@tanstack/react-router' {
  interface Register {
    router: ReturnType<typeof createAppRouter>;
  }
}
