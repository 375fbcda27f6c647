import type { RunView } from './run-view';

/** How old a cached result is, as a person reads it: "just computed", "4 min old", "2 h old". */
export function cacheAge(cachedAt: Date, now: Date): string {
  const minutes = Math.floor((now.getTime() - cachedAt.getTime()) / 60_000);
  if (minutes < 1) return 'less than a minute old';
  if (minutes < 60) return `${minutes} min old`;
  const hours = Math.floor(minutes / 60);
  return hours < 48 ? `${hours} h old` : `${Math.floor(hours / 24)} days old`;
}

/**
 * Says when a result came from the cache and how old it is: the warehouse was not asked this time,
 * so the reader knows the rows are as of then, not now.
 */
export function CacheBadge({ view, now = new Date() }: { view: RunView; now?: Date }) {
  if (view.phase !== 'done' || !view.cachedAt) return null;
  return (
    <span
      className="cache-badge"
      data-testid="cache-badge"
      title={`Computed ${view.cachedAt.toLocaleString()}; served from the cache without asking the warehouse`}
    >
      From cache, {cacheAge(view.cachedAt, now)}
    </span>
  );
}
