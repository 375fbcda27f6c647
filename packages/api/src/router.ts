import { authRouter } from './auth/router';
import { projectsRouter } from './projects/router';
import { runsRouter } from './runs/router';
import { tokensRouter } from './tokens/router';
import { router } from './trpc';

export const appRouter = router({
  auth: authRouter,
  tokens: tokensRouter,
  projects: projectsRouter,
  runs: runsRouter,
});

export type AppRouter = typeof appRouter;
