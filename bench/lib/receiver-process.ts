import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export type ReceiverCount = {
  requests: number;
  distinct: number;
  duplicates: number;
  badBodies: number;
  /** Distinct deliveries per event type. */
  byType: Record<string, number>;
};
/** First arrival of each webhook id (delivery), with the event id its body carried; epoch ms. */
export type Receipts = { webhookIds: string[]; eventIds: string[]; arrivals: number[] };

export type ReceiverProcess = {
  pid: number;
  /** One URL per port (each a separate origin). */
  urls: string[];
  count(): Promise<ReceiverCount>;
  /** Every first receipt since the last reset, or only those of events of `type`. */
  receipts(type?: string): Promise<Receipts>;
  /** Distinct deliveries of events of `type` received since the last reset. */
  received(type: string): Promise<number>;
  reset(): Promise<void>;
  /** Closes every open connection (ends a hanging receiver's requests). */
  drop(): Promise<void>;
  stop(): Promise<void>;
};

/** Starts bench/receiver.ts in its own process; `mode: 'hang'` accepts requests and never answers. */
export async function startReceiverProcess(options: { ports?: number; mode?: 'ok' | 'hang' } = {}): Promise<ReceiverProcess> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'bench/receiver.ts'], {
    cwd: ROOT,
    env: { ...process.env, RECEIVER_PORTS: String(options.ports ?? 1), RECEIVER_MODE: options.mode ?? 'ok' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, (body: Record<string, unknown>) => void>();
  let nextId = 1;
  const ready = new Promise<number[]>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`receiver exited with ${code} before listening`)));
    child.on('message', (message: Record<string, unknown>) => {
      if (message.ready === true) resolve(message.ports as number[]);
      else if (typeof message.id === 'number') {
        pending.get(message.id)?.(message);
        pending.delete(message.id);
      }
    });
  });
  const ports = await ready;
  const call = (cmd: string, type?: string) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      if (!child.connected) return reject(new Error('receiver process is gone'));
      const id = nextId++;
      pending.set(id, resolve);
      child.send({ id, cmd, type });
    });
  return {
    pid: child.pid ?? 0,
    urls: ports.map((port) => `http://127.0.0.1:${port}/hook`),
    count: async () => (await call('count')) as unknown as ReceiverCount,
    receipts: async (type) => (await call('receipts', type)) as unknown as Receipts,
    received: async (type) => ((await call('count')) as unknown as ReceiverCount).byType[type] ?? 0,
    reset: async () => void (await call('reset')),
    drop: async () => void (await call('drop')),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}
