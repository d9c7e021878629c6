import { startBenchChild } from './child-process.ts';

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
  const child = await startBenchChild('bench/receiver.ts', 'receiver', { RECEIVER_PORTS: String(options.ports ?? 1), RECEIVER_MODE: options.mode ?? 'ok' });
  const ports = child.ready.ports as number[];
  const call = (cmd: string, type?: string) => child.call(cmd, { type });
  return {
    pid: child.pid,
    urls: ports.map((port) => `http://127.0.0.1:${port}/hook`),
    count: async () => (await call('count')) as unknown as ReceiverCount,
    receipts: async (type) => (await call('receipts', type)) as unknown as Receipts,
    received: async (type) => ((await call('count')) as unknown as ReceiverCount).byType[type] ?? 0,
    reset: async () => void (await call('reset')),
    drop: async () => void (await call('drop')),
    stop: () => child.stop(),
  };
}
