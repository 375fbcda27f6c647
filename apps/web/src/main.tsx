import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app';
import { rerunGateOnSessionChange } from './features/auth/auth-gate';
import { watchForSignOut } from './features/auth/session';
import { moveInviteTokenToFragment } from './features/invites/invite-token';
import { createAppRouter } from './router';
import { queryClient } from './trpc';
import './styles.css';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');

// Before any request and before the router reads the URL: an old `/invite/<secret>` link must
// not ride along as a Referer.
moveInviteTokenToFragment();
watchForSignOut(queryClient);
const router = createAppRouter({ queryClient });
rerunGateOnSessionChange(queryClient, () => router.invalidate());

createRoot(root).render(
  <StrictMode>
    <App router={router} />
  </StrictMode>,
);
