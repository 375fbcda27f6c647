import { useEffect, useRef, useState } from 'react';
import type { RunView } from './run-view';

/** 4 → "4 s", 75 → "1 min 15 s". */
export function formatElapsed(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  return rest === 0 ? `${minutes} min` : `${minutes} min ${rest} s`;
}

/**
 * How long the run in progress has taken so far, ticking once a second. A new run has a new row
 * array (queuedRun), so the clock restarts with it; a finished run says its own duration instead.
 */
export function RunElapsed({ view }: { view: RunView }) {
  const busy = view.phase === 'queued' || view.phase === 'running';
  const started = useRef<{ rows: unknown; at: number } | null>(null);
  if (busy && started.current?.rows !== view.rows) started.current = { rows: view.rows, at: Date.now() };
  const [now, setNow] = useState(() => Date.now());

  useEffect(() => {
    if (!busy) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [busy]);

  if (!busy || !started.current) return null;
  const seconds = Math.max(0, Math.floor((now - started.current.at) / 1000));
  return (
    <span className="run-elapsed muted" data-testid="run-elapsed" aria-hidden="true">
      {formatElapsed(seconds)}
    </span>
  );
}
