import { err, type InvitePreview, ok, type Result } from '@quarry/contracts';
import { users } from '@quarry/db/schema';
import { sql } from 'drizzle-orm';
import type { z } from 'zod';
import type { Deps } from '../../deps';
import { invalidInvite } from '../errors';
import { findValidInvite } from './find-valid-invite';

/** What the invite page shows before anyone signs up: which workspace, which email, which role. */
export async function previewInvite(
  deps: Deps,
  input: { token: string },
): Promise<Result<z.infer<typeof InvitePreview>>> {
  const found = await findValidInvite(deps.db, { token: input.token, now: deps.now() });
  if (!found.valid) return err(invalidInvite());
  const [account] = await deps.db
    .select({ id: users.id })
    .from(users)
    .where(sql`lower(${users.email}) = ${found.invite.email.toLowerCase()}`)
    .limit(1);
  return ok({
    workspaceName: found.workspaceName,
    email: found.invite.email,
    role: found.invite.role,
    hasAccount: account !== undefined,
  });
}
