import type { Me } from '@quarry/contracts';
import { AuditPage } from './features/audit/audit-page';
import { useSession } from './features/auth/session';
import { SignInPage } from './features/auth/sign-in-page';
import { GroupsPage } from './features/groups/groups-page';
import { InvitePage } from './features/invites/invite-page';
import { MembersPage } from './features/members/members-page';
import { ProjectPage } from './features/projects/project-page';
import { ProjectsPage } from './features/projects/projects-page';
import { SessionsPage } from './features/sessions/sessions-page';
import { SettingsLayout } from './features/settings/settings-layout';
import { AppShell } from './features/shell/app-shell';
import { NotFoundPage } from './features/shell/not-found-page';
import { TokensPage } from './features/tokens/tokens-page';
import { ErrorMessage } from './ui/error-message';
import { quarryErrorOf } from './ui/quarry-error';
import { type Route, type SettingsRoute, useRoute } from './ui/router';

function SettingsPage({ route }: { route: SettingsRoute }) {
  switch (route.name) {
    case 'members':
      return <MembersPage />;
    case 'groups':
      return <GroupsPage />;
    case 'sessions':
      return <SessionsPage />;
    case 'audit':
      return <AuditPage />;
    case 'tokens':
      return <TokensPage />;
  }
}

function Page({ route, me }: { route: Exclude<Route, { name: 'invite' }>; me: Me }) {
  switch (route.name) {
    case 'projects':
      return <ProjectsPage />;
    case 'project':
      return <ProjectPage key={route.projectId} projectId={route.projectId} />;
    case 'not-found':
      return <NotFoundPage />;
    default:
      return (
        <SettingsLayout me={me} route={route}>
          <SettingsPage route={route} />
        </SettingsLayout>
      );
  }
}

export function App() {
  const route = useRoute();
  const session = useSession();

  if (session.isPending) {
    return (
      <main className="splash" aria-busy="true">
        <p className="muted">Loading Quarry…</p>
      </main>
    );
  }
  // An invitation opens without an account: joining creates one and signs it in.
  if (route.name === 'invite') return <InvitePage />;
  if (session.isError && session.data === undefined) {
    return (
      <main className="splash">
        <ErrorMessage error={quarryErrorOf(session.error)}>
          <button type="button" className="button" onClick={() => session.refetch()}>
            Try again
          </button>
        </ErrorMessage>
      </main>
    );
  }
  if (!session.data) return <SignInPage />;
  return (
    <AppShell me={session.data} route={route}>
      <Page route={route} me={session.data} />
    </AppShell>
  );
}
