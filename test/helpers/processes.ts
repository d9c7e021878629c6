import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { waitFor } from './wait.ts';

export type GatewayProcess = { child: ChildProcess; output: string[]; stop(signal?: NodeJS.Signals): Promise<number | null> };

/** Starts `src/main.ts <role>` as a real child process with `env`; its output is kept for assertions. */
export function startGatewayProcess(role: 'all' | 'api' | 'worker', env: Record<string, string>): GatewayProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', role], {
    env: { ...process.env, ...env, LOG_LEVEL: env.LOG_LEVEL === 'silent' ? 'info' : (env.LOG_LEVEL ?? 'info') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  return {
    child,
    output,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      const [code] = (await once(child, 'exit')) as [number | null];
      return code;
    },
  };
}

/** Waits until a started process logged that it is up; returns its API URL when it serves one. */
export async function waitStarted(proc: GatewayProcess): Promise<string | undefined> {
  await waitFor('process start', () => proc.output.join('').includes('webhook gateway started'), 30_000, 50);
  return /"url":"(http:[^"]+)"/.exec(proc.output.join(''))?.[1];
}
