/**
 * Coalesces concurrent single-key calls into one batched call (DataLoader style): calls made while a
 * batch is collecting (until the next macrotask, or `maxBatch` keys) share one round trip. Under
 * load, N concurrent deliveries cost one query instead of N; when idle, a call waits ~0 ms.
 *
 * `maxInFlight` bounds the batches running at once: calls made while that many run wait for one to
 * finish and then go together (group commit), so a burst costs a few large statements instead of
 * many small ones, and an idle batcher still sends at once. They wait at most `holdMs`: when
 * statements hang (a database that stopped answering), calls go out as without the bound, and fail
 * as fast. `windowMs` holds every batch open that long after its first call (for work off the
 * latency path, such as recording attempts).
 */
export function createBatcher<K, V>(
  run: (keys: K[]) => Promise<V[]>,
  options: { maxBatch: number; maxInFlight?: number; holdMs?: number; windowMs?: number },
): (key: K) => Promise<V> {
  const maxInFlight = options.maxInFlight ?? Infinity;
  const holdMs = options.holdMs ?? 10;
  const pending: { key: K; resolve: (value: V) => void; reject: (error: unknown) => void }[] = [];
  let scheduled = false;
  let inFlight = 0;
  let hold: ReturnType<typeof setTimeout> | undefined;

  function send(): void {
    const slice = pending.splice(0, options.maxBatch);
    inFlight += 1;
    run(slice.map((item) => item.key))
      .then(
        (values) => slice.forEach((item, index) => item.resolve(values[index] as V)),
        (error: unknown) => slice.forEach((item) => item.reject(error)),
      )
      .finally(() => {
        inFlight -= 1;
        if (!scheduled) flush();
      });
  }

  function flush(): void {
    scheduled = false;
    while (pending.length > 0 && inFlight < maxInFlight) send();
    if (pending.length === 0) {
      clearTimeout(hold);
      hold = undefined;
    } else {
      hold ??= setTimeout(() => {
        hold = undefined;
        while (pending.length > 0) send();
      }, holdMs);
    }
  }

  return (key) =>
    new Promise<V>((resolve, reject) => {
      pending.push({ key, resolve, reject });
      if (pending.length >= options.maxBatch) flush();
      else if (!scheduled) {
        scheduled = true;
        if (options.windowMs) setTimeout(flush, options.windowMs);
        else setImmediate(flush);
      }
    });
}
