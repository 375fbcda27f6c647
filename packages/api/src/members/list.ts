import { MemberSummary } from '@quarry/contracts';
import { z } from 'zod';
import { workspaceProcedure } from '../trpc';
import { listMembers } from './services/list-members';

/** Admins see every member with their email, role, status and groups. */
export const list = workspaceProcedure
  .meta({ permission: 'workspace:admin' })
  .output(z.array(MemberSummary))
  .query(({ ctx }) => listMembers(ctx));
