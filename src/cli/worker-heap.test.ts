import { describe, expect, it } from 'vitest';
import { tuneWorkerHeap } from './worker-heap.ts';

describe('tuneWorkerHeap', () => {
  it('leaves a heap growth the operator chose in the node flags or NODE_OPTIONS', () => {
    expect(tuneWorkerHeap(['--enable-source-maps', '--heap-growing-percent=80'], '')).toBe(false);
    expect(tuneWorkerHeap([], '--max-old-space-size=512 --heap-growing-percent=80')).toBe(false);
  });

  it('sets its own otherwise', () => {
    expect(tuneWorkerHeap(['--enable-source-maps'], '--max-old-space-size=512')).toBe(true);
  });
});
