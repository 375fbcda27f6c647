/**
 * Asks `read` every 100 ms until it answers something (not undefined), for at most `withinMs`;
 * then fails with `failure`. For what the runner finishes in its own time: a run, a queued job.
 */
export async function until<T>(
  read: () => Promise<T | undefined>,
  withinMs: number,
  failure: string,
): Promise<T> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    const seen = await read();
    if (seen !== undefined) return seen;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(failure);
}
