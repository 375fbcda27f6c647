import { Outlet } from '@tanstack/react-router';
import { AppShell } from '../shell/app-shell';
import { Splash } from './auth-gate';
import { useSession } from './session';
import { MeContext } from './use-me';

/** The frame of every signed-in page. The gate ran first; between a sign-out and its redirect, a splash. */
export function AuthedLayout() {
  const me = useSession().data;
  if (!me) return <Splash />;
  return (
    <MeContext value={me}>
      <AppShell me={me}>
        {/* A workspace switch forgets the old workspace's cache: the page mounts afresh and asks again. */}
        <Outlet key={me.workspace.id} />
      </AppShell>
    </MeContext>
  );
}
