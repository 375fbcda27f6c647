/**
 * KRN-2: JS kernels run isolated-vm, which needs Node >= 24 here and `--no-node-snapshot`. The runner
 * refuses to start without them, so a misconfigured deployment fails loudly at boot, not at the
 * first JS cell.
 */
export function kernelRuntimeProblems(input: {
  nodeVersion: string;
  execArgv: readonly string[];
  nodeOptions?: string;
}): string[] {
  const problems: string[] = [];
  const major = Number(input.nodeVersion.replace(/^v/, '').split('.')[0]);
  if (!(major >= 24))
    problems.push(`Node ${input.nodeVersion} is too old: the query runner needs Node 24 or later`);
  const flags = [...input.execArgv, ...(input.nodeOptions ?? '').split(/\s+/)];
  if (!flags.includes('--no-node-snapshot')) {
    problems.push(
      'Node must run with --no-node-snapshot (isolated-vm requires it): start the runner with `node --no-node-snapshot`',
    );
  }
  return problems;
}

export function assertKernelRuntime(nodeOptions: string | undefined): void {
  const problems = kernelRuntimeProblems({
    nodeVersion: process.version,
    execArgv: process.execArgv,
    nodeOptions,
  });
  if (problems.length) {
    process.stderr.write(`query-runner refuses to start:\n- ${problems.join('\n- ')}\n`);
    process.exit(78);
  }
}
