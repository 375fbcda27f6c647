import { auditRouter } from './audit/router';
import { authRouter } from './auth/router';
import { connectionsRouter } from './connections/router';
import { groupsRouter } from './groups/router';
import { invitesRouter } from './invites/router';
import { membersRouter } from './members/router';
import { operationsRouter } from './operations/router';
import { projectsRouter } from './projects/router';
import { runsRouter } from './runs/router';
import { schemaRouter } from './schema/router';
import { secretsRouter } from './secrets/router';
import { sessionsRouter } from './sessions/router';
import { sharingRouter } from './sharing/router';
import { ssoRouter } from './sso/router';
import { tokensRouter } from './tokens/router';
import { router } from './trpc';
import { workspaceRouter } from './workspace/router';

export const appRouter = router({
  auth: authRouter,
  sessions: sessionsRouter,
  tokens: tokensRouter,
  members: membersRouter,
  groups: groupsRouter,
  invites: invitesRouter,
  sso: ssoRouter,
  projects: projectsRouter,
  sharing: sharingRouter,
  connections: connectionsRouter,
  secrets: secretsRouter,
  runs: runsRouter,
  schema: schemaRouter,
  audit: auditRouter,
  workspace: workspaceRouter,
  operations: operationsRouter,
});

export type AppRouter = typeof appRouter;
