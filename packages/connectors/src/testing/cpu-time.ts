/**
 * CPU this process spent in `work`, in ms. For synchronous, in-process work this is what it costs;
 * wall-clock time on a loaded machine also counts the time other processes ran, so a bound on it
 * fails for reasons that are not the code's.
 */
export function cpuMs(work: () => void): number {
  const before = process.cpuUsage();
  work();
  const { user, system } = process.cpuUsage(before);
  return (user + system) / 1000;
}
