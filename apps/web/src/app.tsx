import { useSession } from './features/auth/session';
import { SignInPage } from './features/auth/sign-in-page';
import { ProjectPage } from './features/projects/project-page';
import { ProjectsPage } from './features/projects/projects-page';
import { AppShell } from './features/shell/app-shell';
import { NotFoundPage } from './features/shell/not-found-page';
import { TokensPage } from './features/tokens/tokens-page';
import { ErrorMessage } from './ui/error-message';
import { quarryErrorOf } from './ui/quarry-error';
import { type Route, useRoute } from './ui/router';

function Page({ route }: { route: Route }) {
  switch (route.name) {
    case 'projects':
      return <ProjectsPage />;
    case 'project':
      return <ProjectPage key={route.projectId} projectId={route.projectId} />;
    case 'tokens':
      return <TokensPage />;
    case 'not-found':
      return <NotFoundPage />;
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
      <Page route={route} />
    </AppShell>
  );
}
