import type { SchemaRefresh, SchemaTree } from '@quarry/contracts';
import { formatCount } from '../../ui/format';

/** Whether a refresh is still to finish. */
export const isActive = (refresh: SchemaRefresh | null | undefined): boolean =>
  refresh?.status === 'queued' || refresh?.status === 'running';

/** "Refreshing… 1,200 of 5,000 tables", as far as the catalog has said how many there are. */
export function progressText(refresh: SchemaRefresh): string {
  if (refresh.status === 'queued') return 'Refresh queued: waiting for a query runner…';
  const { done, total } = refresh.progress;
  if (total === null) return done > 0 ? `Refreshing… ${formatCount(done)} tables read` : 'Refreshing…';
  return `Refreshing… ${formatCount(done)} of ${formatCount(total)} ${total === 1 ? 'table' : 'tables'}`;
}

/** Who refreshed last, in words: a person, the schedule, or the connection's creation. */
export function refreshedBy(last: NonNullable<SchemaTree['lastRefreshed']>): string {
  if (last.by) return `by ${last.by.name}`;
  switch (last.trigger) {
    case 'scheduled':
      return 'on schedule';
    case 'created':
      return 'when the connection was created';
    case 'manual':
      return 'by a former member';
  }
}

/** What a finished refresh changed: "3 tables added, 1 removed". */
export function countsText(refresh: SchemaRefresh): string | null {
  if (!refresh.counts) return null;
  const { added, removed, changed } = refresh.counts;
  const parts = [
    [added, 'added'],
    [removed, 'removed'],
    [changed, 'changed'],
  ] as const;
  const said = parts.filter(([count]) => count > 0).map(([count, what]) => `${formatCount(count)} ${what}`);
  if (said.length === 0) return 'Nothing changed';
  const first = parts.find(([count]) => count > 0)?.[0] ?? 0;
  // The noun goes with the first count: "1 table added, 2 removed".
  return `${said[0]?.replace(' ', first === 1 ? ' table ' : ' tables ')}${said.length > 1 ? `, ${said.slice(1).join(', ')}` : ''}`;
}
