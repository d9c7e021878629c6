/**
 * The numeric command-line options of a bench script (parsed by `node:util` parseArgs as strings),
 * as numbers; throws `--<name> must be a positive number` for one that is not.
 */
export function positiveNumbers<V extends Record<string, unknown>, K extends keyof V & string>(values: V, names: readonly K[]): Record<K, number> {
  const numbers = {} as Record<K, number>;
  for (const name of names) {
    const value = Number(values[name]);
    if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number, got ${String(values[name])}`);
    numbers[name] = value;
  }
  return numbers;
}
