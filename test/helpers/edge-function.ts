import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readdir, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Sql } from 'postgres';
import { waitFor } from './wait.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DENO = join(ROOT, 'node_modules', '.bin', 'deno');
/** Deno's cache (npm packages, compiled modules); git-ignored, empty on a fresh CI machine. */
const DENO_DIR = join(ROOT, '.deno');
/** Set by the caller or another test, never inherited: each function gets exactly the env it is given. */
const OWN_ENV = /^(SUPABASE_|WEBHOOK_|EMAIL_|BREAKER_|PORT$)/;

export type EdgeFunction = { url: string; output: string[]; child: ChildProcess; stop(): Promise<void> };

/** A TCP port that was free a moment ago (the function binds it itself). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/**
 * Runs `deno run -A supabase/functions/<name>/index.ts` from the repository root, as the SPEC
 * documents, with `env` (PORT included) and resolves once it answers HTTP. The first run on a
 * machine downloads the functions' npm packages into `.deno`, hence the long default timeout.
 */
export async function startEdgeFunction(name: string, port: number, env: Record<string, string>, timeoutMs = 60_000): Promise<EdgeFunction> {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !OWN_ENV.test(key)));
  const child = spawn(DENO, ['run', '-A', `supabase/functions/${name}/index.ts`], {
    cwd: ROOT,
    env: { ...inherited, DENO_DIR, NO_COLOR: '1', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const url = `http://127.0.0.1:${port}/functions/v1/${name}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
  };
  try {
    await waitFor(
      `${name} to listen`,
      async () => {
        if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}:\n${output.join('')}`);
        return fetch(url).then(
          () => true,
          () => false,
        );
      },
      timeoutMs,
      100,
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, output, child, stop };
}

/** Applies `supabase/migrations/*.sql` in name order, as `supabase db push` would. */
export async function applySupabaseMigrations(sql: Sql): Promise<string[]> {
  const dir = join(ROOT, 'supabase', 'migrations');
  const files = (await readdir(dir)).filter((file) => file.endsWith('.sql')).sort();
  for (const file of files) await sql.unsafe(await readFile(join(dir, file), 'utf8')).simple();
  return files;
}

/** The text of the migrations, for checks against the library's own DDL. */
export async function readSupabaseMigrations(): Promise<string> {
  const dir = join(ROOT, 'supabase', 'migrations');
  const files = (await readdir(dir)).filter((file) => file.endsWith('.sql')).sort();
  return (await Promise.all(files.map((file) => readFile(join(dir, file), 'utf8')))).join('\n');
}
