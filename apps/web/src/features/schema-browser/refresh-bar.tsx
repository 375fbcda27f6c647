import type { SchemaConnectionInput, SchemaTree } from '@quarry/contracts';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useState } from 'react';
import { ErrorMessage } from '../../ui/error-message';
import { formatDateTime } from '../../ui/format';
import { quarryErrorOf } from '../../ui/quarry-error';
import { Spinner } from '../../ui/spinner';
import { countsText, isActive, progressText, refreshedBy } from './refresh-text';
import { SCHEMA_KEY, schemaMutations, schemaQueries } from './schema-api';

/** How often a running refresh's progress is asked for. */
const POLL_MS = 1_000;

type RefreshBarProps = { input: SchemaConnectionInput; tree: SchemaTree };

/**
 * When the schema was last read and by whom, the Refresh button (disabled with the engine's reason
 * for those without Can refresh schema), and a running refresh's progress until it ends.
 */
export function RefreshBar({ input, tree }: RefreshBarProps) {
  const id = useId();
  const queryClient = useQueryClient();
  const [refreshId, setRefreshId] = useState<string | null>(tree.activeRefresh?.id ?? null);
  // A refresh someone else started shows here when the tree is read again.
  useEffect(() => {
    if (tree.activeRefresh) setRefreshId(tree.activeRefresh.id);
  }, [tree.activeRefresh]);

  const start = useMutation({
    mutationFn: () => schemaMutations.refresh(input),
    onSuccess: (refresh) => {
      queryClient.setQueryData(schemaQueries.refreshStatus(refresh.id).queryKey, refresh);
      setRefreshId(refresh.id);
    },
  });
  const status = useQuery({
    ...schemaQueries.refreshStatus(refreshId ?? ''),
    enabled: refreshId !== null,
    refetchInterval: (query) => (isActive(query.state.data) ? POLL_MS : false),
  });
  const refresh = status.data;
  const running = isActive(refresh) || start.isPending;

  // Once it ends, the tree, its columns and searches are read again from what it stored.
  const finished = refresh && !isActive(refresh) ? refresh.id : null;
  useEffect(() => {
    if (finished) void queryClient.invalidateQueries({ queryKey: SCHEMA_KEY, refetchType: 'active' });
  }, [finished, queryClient]);

  const allowed = tree.canRefresh.allowed;
  const reason = allowed ? null : tree.canRefresh.reason.message;
  return (
    <div className="schema-refresh" data-testid="schema-refresh">
      <div className="schema-refresh-row">
        <p className="schema-refreshed muted small" data-testid="schema-last-refreshed">
          {tree.lastRefreshed ? (
            <>
              Refreshed{' '}
              <time dateTime={tree.lastRefreshed.at.toISOString()}>
                {formatDateTime(tree.lastRefreshed.at)}
              </time>{' '}
              {refreshedBy(tree.lastRefreshed)}
            </>
          ) : (
            'Never refreshed'
          )}
        </p>
        <button
          type="button"
          className="button schema-refresh-button"
          disabled={!allowed || running}
          aria-busy={running}
          aria-describedby={reason ? `${id}-reason` : undefined}
          title={reason ?? undefined}
          onClick={() => start.mutate()}
        >
          {running ? <Spinner /> : null}
          Refresh
        </button>
      </div>
      {reason ? (
        <p
          className="muted small schema-refresh-reason"
          id={`${id}-reason`}
          data-testid="schema-refresh-reason"
        >
          {reason}
        </p>
      ) : null}
      <div aria-live="polite" className="schema-refresh-status">
        {refresh && isActive(refresh) ? (
          <p className="small" data-testid="schema-refresh-progress">
            {progressText(refresh)}
          </p>
        ) : null}
        {refresh?.status === 'succeeded' ? (
          <p className="small muted" data-testid="schema-refresh-done">
            Refresh finished: {countsText(refresh)?.toLowerCase()}.
          </p>
        ) : null}
      </div>
      {refresh?.status === 'failed' && refresh.error ? (
        <ErrorMessage
          error={{
            code: refresh.error.code,
            message: refresh.error.message,
            hint: tree.lastRefreshed
              ? 'The tree shows the schema as last read. Try again, or check the connection in its settings'
              : 'Try again, or check the connection in its settings',
          }}
          testId="schema-refresh-failed"
        />
      ) : !refresh && tree.lastFailure?.error ? (
        <p
          className="notice-warning small"
          data-testid="schema-last-failure"
          data-code={tree.lastFailure.error.code}
        >
          The last refresh failed: {tree.lastFailure.error.message}
        </p>
      ) : null}
      {start.error ? <ErrorMessage error={quarryErrorOf(start.error)} /> : null}
      {status.error ? <ErrorMessage error={quarryErrorOf(status.error)} /> : null}
    </div>
  );
}
