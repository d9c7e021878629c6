/** What every scenario gets from the runner: the scale, a database name, a logger, options. */
export type ScenarioContext = {
  scale: number;
  databaseName: string;
  /** Where the api and worker processes write CPU profiles (`<dir>/api`, `<dir>/worker`); none when undefined. */
  cpuProfDir: string | undefined;
  log(message: string): void;
  /** `full` scaled, at least `min` (counts). */
  count(full: number, min: number): number;
  /** `full` seconds scaled, at least a quarter of a second. */
  seconds(full: number): number;
};

/** Builds the context helpers for a scale factor. */
export function scenarioContext(options: { scale: number; databaseName: string; cpuProfDir?: string | undefined; log: (message: string) => void }): ScenarioContext {
  const { scale } = options;
  return {
    scale,
    databaseName: options.databaseName,
    cpuProfDir: options.cpuProfDir,
    log: options.log,
    count: (full, min) => Math.max(min, Math.round(full * scale)),
    seconds: (full) => Math.max(0.25, Math.round(full * scale * 100) / 100),
  };
}
