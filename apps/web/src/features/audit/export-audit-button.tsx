import { useMutation } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import { trpcClient } from '../../trpc';
import { ErrorMessage } from '../../ui/error-message';
import { formatCount } from '../../ui/format';
import { quarryErrorOf } from '../../ui/quarry-error';
import { Spinner } from '../../ui/spinner';

const countLines = (chunk: string): number => {
  let lines = 0;
  for (let at = chunk.indexOf('\n'); at !== -1; at = chunk.indexOf('\n', at + 1)) lines += 1;
  return lines;
};

function download(parts: string[], name: string): void {
  const url = URL.createObjectURL(new Blob(parts, { type: 'application/x-ndjson' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  // Give the browser a moment to start the download before the blob goes away.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Streams the (filtered) log from the server and saves it as a .jsonl file, counting as it goes. */
export function ExportAuditButton({ action }: { action: string | undefined }) {
  const [lines, setLines] = useState(0);
  const controller = useRef<AbortController | null>(null);
  const exporting = useMutation({
    mutationFn: async () => {
      controller.current?.abort();
      const abort = new AbortController();
      controller.current = abort;
      setLines(0);
      const parts: string[] = [];
      let count = 0;
      const stream = await trpcClient.audit.export.query({ action }, { signal: abort.signal });
      for await (const chunk of stream) {
        parts.push(chunk);
        count += countLines(chunk);
        setLines(count);
      }
      const stamp = new Date().toISOString().slice(0, 10);
      download(parts, `quarry-audit-${action ? `${action}-` : ''}${stamp}.jsonl`);
      return count;
    },
  });

  return (
    <div className="export">
      <button
        type="button"
        className="button"
        onClick={() => exporting.mutate()}
        disabled={exporting.isPending}
        aria-busy={exporting.isPending}
      >
        {exporting.isPending ? <Spinner /> : null}
        Export JSON lines
      </button>
      <p className="muted small" aria-live="polite" data-testid="audit-export-status">
        {exporting.isPending ? `Exporting… ${formatCount(lines)} entries` : null}
        {exporting.isSuccess ? `Saved ${formatCount(exporting.data)} entries.` : null}
      </p>
      {exporting.error ? <ErrorMessage error={quarryErrorOf(exporting.error)} /> : null}
    </div>
  );
}
