import { QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app';
import { watchForSignOut } from './features/auth/session';
import { moveInviteTokenToFragment } from './features/invites/invite-token';
import { queryClient } from './trpc';
import './styles.css';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');

// Before any request: an old `/invite/<secret>` link must not ride along as a Referer.
moveInviteTokenToFragment();
watchForSignOut(queryClient);

createRoot(root).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <App />
    </QueryClientProvider>
  </StrictMode>,
);
