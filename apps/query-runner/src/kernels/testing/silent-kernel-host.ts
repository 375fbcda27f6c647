/**
 * Test fixture: a kernel host that starts and opens runs but never answers a cell, as a host stuck
 * in native code would. The pool must kill it at the deadline (KRN-4) and replace it.
 */
import type { FromKernel, ToKernel } from '../kernel-protocol';

const send = (m: FromKernel) => process.send?.(m);
process.on('message', (m: ToKernel) => {
  if (m.type === 'open') send({ type: 'opened', sessionId: m.sessionId, startMs: 0 });
  if (m.type === 'shutdown') process.exit(0);
});
process.on('disconnect', () => process.exit(0));
send({ type: 'ready', pid: process.pid, node: process.version, isolatedVm: 'none' });
