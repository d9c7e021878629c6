import { afterEach, describe, expect, it, vi } from 'vitest';
import { createBatcher } from './batcher.ts';

/** A batched function whose batches finish only when the test says so. */
function controlledRun() {
  const batches: { keys: number[]; finish(): void; fail(error: Error): void }[] = [];
  const run = (keys: number[]) =>
    new Promise<string[]>((resolve, reject) => {
      batches.push({ keys, finish: () => resolve(keys.map((key) => `v${key}`)), fail: reject });
    });
  return { run, batches };
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('batcher', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('sends the calls of one macrotask as one batch and answers each with its own value', async () => {
    const { run, batches } = controlledRun();
    const call = createBatcher(run, { maxBatch: 10 });
    const answers = Promise.all([call(1), call(2), call(3)]);
    await tick();
    expect(batches.map((batch) => batch.keys)).toEqual([[1, 2, 3]]);
    batches[0]!.finish();
    expect(await answers).toEqual(['v1', 'v2', 'v3']);
  });

  it('splits at maxBatch and sends a full batch at once', async () => {
    const { run, batches } = controlledRun();
    const call = createBatcher(run, { maxBatch: 2 });
    void call(1);
    void call(2);
    expect(batches.map((batch) => batch.keys)).toEqual([[1, 2]]);
    void call(3);
    await tick();
    expect(batches.map((batch) => batch.keys)).toEqual([[1, 2], [3]]);
  });

  it('with maxInFlight, holds later calls until a batch finishes, then sends them together', async () => {
    const { run, batches } = controlledRun();
    const call = createBatcher(run, { maxBatch: 10, maxInFlight: 1 });
    const first = call(1);
    await tick();
    const later = [call(2), call(3)];
    await tick();
    void call(4);
    await tick();
    expect(batches.map((batch) => batch.keys)).toEqual([[1]]);
    batches[0]!.finish();
    expect(await first).toBe('v1');
    await tick();
    expect(batches.map((batch) => batch.keys)).toEqual([[1], [2, 3, 4]]);
    batches[1]!.finish();
    expect(await Promise.all(later)).toEqual(['v2', 'v3']);
  });

  it('with maxInFlight, a failed batch rejects only its own calls and frees its slot', async () => {
    const { run, batches } = controlledRun();
    const call = createBatcher(run, { maxBatch: 10, maxInFlight: 1 });
    const first = call(1);
    await tick();
    const second = call(2);
    await tick();
    batches[0]!.fail(new Error('connection lost'));
    await expect(first).rejects.toThrow('connection lost');
    await tick();
    expect(batches.map((batch) => batch.keys)).toEqual([[1], [2]]);
    batches[1]!.finish();
    expect(await second).toBe('v2');
  });

  it('with maxInFlight, sends waiting calls anyway after holdMs when the running batches hang', async () => {
    vi.useFakeTimers();
    const { run, batches } = controlledRun();
    const call = createBatcher(run, { maxBatch: 10, maxInFlight: 1, holdMs: 10 });
    void call(1);
    await vi.advanceTimersByTimeAsync(1);
    void call(2);
    await vi.advanceTimersByTimeAsync(9);
    expect(batches.map((batch) => batch.keys)).toEqual([[1]]);
    await vi.advanceTimersByTimeAsync(2);
    expect(batches.map((batch) => batch.keys)).toEqual([[1], [2]]);
  });

  it('with windowMs, keeps a batch open that long after its first call', async () => {
    vi.useFakeTimers();
    const { run, batches } = controlledRun();
    const call = createBatcher(run, { maxBatch: 10, windowMs: 5 });
    void call(1);
    await vi.advanceTimersByTimeAsync(3);
    void call(2);
    expect(batches).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(2);
    expect(batches.map((batch) => batch.keys)).toEqual([[1, 2]]);
    void call(3);
    await vi.advanceTimersByTimeAsync(5);
    expect(batches.map((batch) => batch.keys)).toEqual([[1, 2], [3]]);
  });
});
