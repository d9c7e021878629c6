import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chownSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import postgres from 'postgres';
import { waitFor } from '../../helpers/wait.ts';

/** A TCP port that was free a moment ago (the OS picks it). */
export async function sparePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export type RedisServer = {
  url: string;
  /** SIGKILL: everything in it is lost (no persistence). */
  kill(): Promise<void>;
  /** Starts it again on the same port, empty. */
  start(): Promise<void>;
  close(): Promise<void>;
};

/** Starts a private `redis-server` on a spare port, without persistence, so a kill loses every key. */
export async function startRedisServer(): Promise<RedisServer> {
  const port = await sparePort();
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  async function start(): Promise<void> {
    const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    child = proc;
    await waitFor(
      `redis-server on ${port}`,
      async () => {
        if (proc.exitCode !== null) throw new Error(`redis-server exited with ${proc.exitCode}`);
        const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
        client.on('error', () => {});
        try {
          await client.connect();
          return (await client.ping()) === 'PONG';
        } catch {
          return false;
        } finally {
          client.disconnect();
        }
      },
      10_000,
      50,
    );
  }
  async function kill(): Promise<void> {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill('SIGKILL');
    await once(proc, 'exit');
  }
  await start();
  return { url, kill, start, close: kill };
}

export type PostgresCluster = {
  /** URL of a database in this cluster (default `postgres`). */
  url(database?: string): string;
  /** Stops the server; `immediate` is a crash (recovery from WAL at the next start). */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  start(): Promise<void>;
  /** Stops it and removes its data directory. */
  close(): Promise<void>;
};

function postgresBin(): string {
  const root = '/usr/lib/postgresql';
  const versions = readdirSync(root)
    .filter((name) => /^\d+$/.test(name))
    .sort((a, b) => Number(b) - Number(a));
  if (versions.length === 0) throw new Error(`no Postgres server binaries under ${root}`);
  return join(root, versions[0]!, 'bin');
}

/** Runs a Postgres binary; as root it runs as the `postgres` user, which Postgres requires. */
function runPostgresTool(tool: string, args: string[]): void {
  const binary = join(postgresBin(), tool);
  const asRoot = process.getuid?.() === 0;
  const result = asRoot
    ? spawnSync('runuser', ['-u', 'postgres', '--', binary, ...args], { encoding: 'utf8', timeout: 60_000 })
    : spawnSync(binary, args, { encoding: 'utf8', timeout: 60_000 });
  if (result.status !== 0) throw new Error(`${tool} ${args.join(' ')} failed (${result.status}): ${result.stderr || result.stdout}`);
}

/** Creates and starts a private Postgres cluster (trust auth, no fsync) on a spare port in a temporary directory. */
export async function startPostgresCluster(): Promise<PostgresCluster> {
  const port = await sparePort();
  const dir = mkdtempSync(join(tmpdir(), 'wh-fault-pg-'));
  if (process.getuid?.() === 0) {
    const uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim());
    const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim());
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  runPostgresTool('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
  const url = (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`;
  async function start(): Promise<void> {
    runPostgresTool('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'server.log'), '-w', '-t', '30', 'start']);
    const sql = postgres(url(), { max: 1, onnotice: () => {} });
    try {
      await sql`select 1`;
    } finally {
      await sql.end({ timeout: 1 });
    }
  }
  async function stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    runPostgresTool('pg_ctl', ['-D', data, '-m', mode, '-w', '-t', '30', 'stop']);
  }
  await start();
  return {
    url,
    stop,
    start,
    async close() {
      try {
        await stop('immediate');
      } catch {
        // already stopped
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
