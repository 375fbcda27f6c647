import type { RunView } from './run-view';

/**
 * Where a result served from the cache says so ("from cache, 4 min old"). The cache work adds the
 * field that tells (on the run's summary or its done event, carried into RunView); until it does,
 * no result is from the cache and this shows nothing.
 */
export function CacheBadge(_props: { view: RunView }) {
  return null;
}
