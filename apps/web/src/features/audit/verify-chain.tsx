import { useMutation } from '@tanstack/react-query';
import { trpcClient } from '../../trpc';
import { ErrorMessage } from '../../ui/error-message';
import { formatCount } from '../../ui/format';
import { quarryErrorOf } from '../../ui/quarry-error';
import { Spinner } from '../../ui/spinner';

/** Walks the whole hash chain on the server and names the first entry that does not fit. */
export function VerifyChain() {
  const verify = useMutation({ mutationFn: () => trpcClient.audit.verify.query() });
  const result = verify.data;
  return (
    <div className="verify">
      <button
        type="button"
        className="button"
        onClick={() => verify.mutate()}
        disabled={verify.isPending}
        aria-busy={verify.isPending}
      >
        {verify.isPending ? <Spinner /> : null}
        Verify chain
      </button>
      <div aria-live="polite" data-testid="audit-verification">
        {verify.isPending ? <p className="muted small">Checking every entry…</p> : null}
        {result?.intact ? (
          <p className="verify-ok">Intact: all {formatCount(result.entries)} entries chain together.</p>
        ) : null}
        {result && !result.intact ? (
          <ErrorMessage
            error={{
              code: 'audit.chain_broken',
              message: result.firstBreak
                ? `The chain breaks at entry #${result.firstBreak.seq}: ${result.firstBreak.problem}`
                : 'The chain is broken',
              hint: 'Entries from there on may have been altered or deleted; keep an export and investigate',
            }}
          />
        ) : null}
        {verify.error ? <ErrorMessage error={quarryErrorOf(verify.error)} /> : null}
      </div>
    </div>
  );
}
