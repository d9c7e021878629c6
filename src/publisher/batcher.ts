/**
 * Coalesces concurrent single-key calls into one batched call (DataLoader style): calls made while a
 * batch is collecting (until the next macrotask, or `maxBatch` keys) share one round trip. Under
 * load, N concurrent deliveries cost one query instead of N; when idle, a call waits ~0 ms.
 */
export function createBatcher<K, V>(
  run: (keys: K[]) => Promise<V[]>,
  options: { maxBatch: number },
): (key: K) => Promise<V> {
  let pending: { key: K; resolve: (value: V) => void; reject: (error: unknown) => void }[] = [];
  let scheduled = false;

  function flush(): void {
    scheduled = false;
    const batch = pending;
    pending = [];
    for (let start = 0; start < batch.length; start += options.maxBatch) {
      const slice = batch.slice(start, start + options.maxBatch);
      run(slice.map((item) => item.key)).then(
        (values) => slice.forEach((item, index) => item.resolve(values[index] as V)),
        (error: unknown) => slice.forEach((item) => item.reject(error)),
      );
    }
  }

  return (key) =>
    new Promise<V>((resolve, reject) => {
      pending.push({ key, resolve, reject });
      if (pending.length >= options.maxBatch) flush();
      else if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    });
}
