import { kernelRuntimeProblems } from '../kernel-runtime';

/** The majors this host was built and tested for (KRN-2); isolated-vm's ABI follows Node's. */
export const BUILT_FOR = { node: 24, isolatedVm: 7 } as const;

/** Environment names that must never reach a kernel (KRN-1): the supervisor passes a minimal env. */
const SECRET_LOOKING = /KEY|SECRET|TOKEN|PASSWORD|PASSWD|CREDENTIAL|DATABASE|_URL$/i;

export function kernelHostProblems(input: {
  nodeVersion: string;
  execArgv: readonly string[];
  nodeOptions?: string;
  isolatedVmVersion: string;
  envNames: readonly string[];
  hasIpc: boolean;
}): string[] {
  const problems = kernelRuntimeProblems(input);
  const nodeMajor = Number(input.nodeVersion.replace(/^v/, '').split('.')[0]);
  if (nodeMajor !== BUILT_FOR.node) {
    problems.push(`the kernel host is built for Node ${BUILT_FOR.node}, not ${input.nodeVersion}`);
  }
  const ivmMajor = Number(input.isolatedVmVersion.split('.')[0]);
  if (ivmMajor !== BUILT_FOR.isolatedVm) {
    problems.push(
      `the kernel host is built for isolated-vm ${BUILT_FOR.isolatedVm}, not ${input.isolatedVmVersion}`,
    );
  }
  const leaked = input.envNames.filter((n) => SECRET_LOOKING.test(n));
  if (leaked.length) problems.push(`the environment carries what looks like secrets (${leaked.join(', ')})`);
  if (!input.hasIpc)
    problems.push('the kernel host runs only as a child of the kernel pool (no IPC channel)');
  return problems;
}
