import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

type Message = Record<string, unknown>;

/** A helper process of the bench (a receiver, the stall meter) that answers commands over IPC. */
export type BenchChild = {
  pid: number;
  /** The message the process sent once ready (`{ ready: true, ... }`). */
  ready: Message;
  /** Sends `{ id, cmd, ...fields }` and resolves with the process's answer to that id. */
  call(cmd: string, fields?: Message): Promise<Message>;
  /** SIGTERM, and waits for the exit. */
  stop(): Promise<void>;
};

/**
 * Starts `node --import tsx <script>` from the repository root with an IPC channel and waits for
 * its `{ ready: true }` message. Calls still unanswered when it exits are rejected.
 */
export async function startBenchChild(script: string, name: string, env: Record<string, string> = {}): Promise<BenchChild> {
  const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const pending = new Map<number, { resolve: (body: Message) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  const ready = await new Promise<Message>((resolve, reject) => {
    child.once('exit', (code) => {
      const error = new Error(`${name} exited with ${code}`);
      reject(error);
      for (const call of pending.values()) call.reject(error);
      pending.clear();
    });
    child.on('message', (message: Message) => {
      if (message.ready === true) resolve(message);
      else if (typeof message.id === 'number') {
        pending.get(message.id)?.resolve(message);
        pending.delete(message.id);
      }
    });
  });
  return {
    pid: child.pid ?? 0,
    ready,
    call: (cmd, fields = {}) =>
      new Promise<Message>((resolve, reject) => {
        if (!child.connected) return reject(new Error(`${name} process is gone`));
        const id = nextId++;
        pending.set(id, { resolve, reject });
        child.send({ ...fields, id, cmd });
      }),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}
