/**
 * The benchmark: starts the gateway as real processes (one `api`, one `worker`) on a recreated
 * Postgres database and its own Redis queue prefix, with receivers in their own processes, runs
 * each scenario in a fresh environment, prints a table and writes bench/results/<time>.json.
 * Every scenario measures its physical limit beside it, so results read as ratios on a noisy machine.
 *
 *   npm run bench [-- --only publish,delivery] [--scale 0.05] [--json path] [--database name]
 *                 [--cpu-prof dir]   (CPU profiles of the api and worker processes: <dir>/api, <dir>/worker)
 *
 * Scenarios: publish, delivery, fan-out, backlog, isolation, memory (measured during delivery).
 * `--scale` multiplies counts and durations (0.05 is a quick smoke run). Gateway settings in this
 * process's environment (e.g. WORKER_CONCURRENCY=200) reach the gateway processes. Exit code 0 when the run
 * completed (targets may still fail: see the table), 1 when it could not.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { jsonReplacer, renderTable, type Row, type ScenarioResult } from './lib/report.ts';
import { round } from './lib/stats.ts';
import { backlogScenario } from './scenarios/backlog.ts';
import { scenarioContext, type ScenarioContext } from './scenarios/context.ts';
import { deliveryScenario } from './scenarios/delivery.ts';
import { fanoutScenario } from './scenarios/fanout.ts';
import { isolationScenario } from './scenarios/isolation.ts';
import { publishScenario } from './scenarios/publish.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const SCENARIOS: Record<string, (context: ScenarioContext) => Promise<ScenarioResult>> = {
  publish: publishScenario,
  delivery: deliveryScenario,
  'fan-out': fanoutScenario,
  backlog: backlogScenario,
  isolation: isolationScenario,
};
const ALIASES: Record<string, string> = { memory: 'delivery', fanout: 'fan-out' };

function options() {
  const { values } = parseArgs({
    options: {
      only: { type: 'string' },
      scale: { type: 'string', default: '1' },
      json: { type: 'string' },
      database: { type: 'string', default: 'webhooks_bench' },
      'cpu-prof': { type: 'string' },
    },
    strict: true,
  });
  const scale = Number(values.scale);
  if (!Number.isFinite(scale) || scale <= 0) throw new Error(`--scale must be a positive number, got ${values.scale}`);
  const requested = values.only ? values.only.split(',').map((name) => name.trim()) : Object.keys(SCENARIOS);
  const names = [...new Set(requested.map((name) => ALIASES[name] ?? name))];
  for (const name of names) if (!SCENARIOS[name]) throw new Error(`unknown scenario ${name}; known: ${[...Object.keys(SCENARIOS), 'memory'].join(', ')}`);
  const startedAt = new Date();
  const json = resolve(values.json ?? `${ROOT}bench/results/${startedAt.toISOString().replace(/:/g, '-')}.json`);
  const cpuProf = values['cpu-prof'] ? resolve(values['cpu-prof']) : undefined;
  return { scale, names, json, startedAt, databaseName: values.database, cpuProf };
}

function gitRevision(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return dirty ? `${head}-dirty` : head;
  } catch {
    return 'unknown';
  }
}

async function main(): Promise<number> {
  const settings = options();
  const started = performance.now();
  const log = (message: string) => console.log(`[${((performance.now() - started) / 1000).toFixed(1).padStart(6)}s] ${message}`);
  const machine = {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    totalMemoryMb: Math.round(os.totalmem() / 1024 / 1024),
    node: process.version,
    revision: gitRevision(),
    loadAverageAtStart: os.loadavg().map((value) => round(value)),
  };
  log(`webhook-gateway benchmark: ${settings.names.join(', ')} at scale ${settings.scale}; ${machine.cpus} CPUs, node ${machine.node}, revision ${machine.revision}, load ${machine.loadAverageAtStart.join(' ')}`);
  // The gateway processes run the production build of the current sources, as `npm start` does.
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
  const context = scenarioContext({
    scale: settings.scale,
    databaseName: settings.databaseName,
    cpuProfDir: settings.cpuProf,
    log,
  });
  const rows: Row[] = [];
  const scenarios: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const name of settings.names) {
    const scenarioStarted = performance.now();
    try {
      const result = await SCENARIOS[name]!(context);
      rows.push(...result.rows);
      scenarios[name] = { seconds: (performance.now() - scenarioStarted) / 1000, loadAverageAfter: os.loadavg()[0], ...result.details };
    } catch (error) {
      problems.push(`${name}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      log(`${name} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  console.log(`\n${renderTable(rows)}\n`);
  const report = {
    startedAt: settings.startedAt.toISOString(),
    seconds: (performance.now() - started) / 1000,
    machine,
    scale: settings.scale,
    scenarios,
    rows,
    passed: rows.filter((row) => row.pass === true).length,
    failed: rows.filter((row) => row.pass === false).length,
    problems,
  };
  await mkdir(dirname(settings.json), { recursive: true });
  await writeFile(settings.json, `${JSON.stringify(report, jsonReplacer, 2)}\n`);
  log(`results written to ${settings.json}`);
  if (problems.length > 0) console.error(`\nscenarios that could not run:\n  ${problems.join('\n  ')}`);
  return problems.length > 0 ? 1 : 0;
}

const code = await main().catch((error: unknown) => {
  console.error('benchmark failed:', error);
  return 1;
});
process.exitCode = code;
// Nothing should be left open; if something is, it must not keep the process alive.
setTimeout(() => process.exit(code), 2_000).unref();
