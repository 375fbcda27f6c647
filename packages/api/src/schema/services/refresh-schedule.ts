import { createHash } from 'node:crypto';
import type { RefreshCadence } from '@quarry/contracts';
import type { Deps } from '../../deps';
import type { ConnectionRow } from './schema-access';

/** The cadence a connection has: its own, or the seed's default (daily for workspace connections). */
export const cadenceOf = (connection: Pick<ConnectionRow, 'refreshCadence' | 'scope'>): RefreshCadence =>
  connection.refreshCadence ?? (connection.scope === 'workspace' ? 'daily' : 'off');

/**
 * The cron of a cadence for one connection. The minute, hour and weekday come from the
 * connection's id, so a workspace of many connections does not refresh them all at midnight.
 */
export function cronFor(cadence: Exclude<RefreshCadence, 'off'>, connectionId: string): string {
  const digest = createHash('sha256').update(connectionId).digest();
  const minute = (digest[0] ?? 0) % 60;
  const hour = (digest[1] ?? 0) % 24;
  const weekday = (digest[2] ?? 0) % 7;
  if (cadence === 'hourly') return `${minute} * * * *`;
  if (cadence === 'daily') return `${minute} ${hour} * * *`;
  return `${minute} ${hour} * * ${weekday}`;
}

/**
 * Sets or removes the connection's pg-boss schedule (key: the connection id) to match its cadence.
 * Scheduled refresh is for ready workspace connections only (the seed); a tick that outlives its
 * setting finds the cadence off and does nothing, so a failed unschedule is harmless.
 */
export async function syncRefreshSchedule(
  deps: Pick<Deps, 'queue'>,
  connection: Pick<ConnectionRow, 'id' | 'workspaceId' | 'scope' | 'status' | 'refreshCadence'>,
): Promise<void> {
  const cadence = cadenceOf(connection);
  if (connection.scope !== 'workspace' || connection.status !== 'ready' || cadence === 'off') {
    await deps.queue.unschedule('schema.refresh', connection.id);
    return;
  }
  await deps.queue.schedule('schema.refresh', connection.id, cronFor(cadence, connection.id), {
    workspaceId: connection.workspaceId,
    connectionId: connection.id,
  });
}

/** A deleted connection's schedule goes with it. */
export const removeRefreshSchedule = (deps: Pick<Deps, 'queue'>, connectionId: string) =>
  deps.queue.unschedule('schema.refresh', connectionId);
