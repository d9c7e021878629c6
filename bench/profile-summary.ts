/**
 * Top self-time functions of V8 CPU profiles (`--cpu-prof`), e.g. the worker's during the delivery scenario:
 *   npx tsx bench/profile-summary.ts bench/results/prof/worker/CPU.*.0.0*.cpuprofile [--top 25]
 * (thread 0 is the main thread; the other file of each process is the module loader thread).
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';

type ProfileNode = { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number };
type Profile = { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number };

const { values, positionals } = parseArgs({ options: { top: { type: 'string', default: '25' } }, allowPositionals: true });
for (const file of positionals) {
  const profile = JSON.parse(await readFile(file, 'utf8')) as Profile;
  const byNode = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<string, number>();
  let totalUs = 0;
  profile.samples.forEach((id, index) => {
    const node = byNode.get(id);
    const delta = profile.timeDeltas[index] ?? 0;
    if (!node) return;
    totalUs += delta;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url ? `${url.replace(/^file:\/\/.*?node_modules\//, '').replace(/^file:\/\/.*?\/src\//, 'src/')}:${lineNumber + 1}` : '';
    const key = `${functionName || '(anonymous)'} ${where}`.trim();
    selfUs.set(key, (selfUs.get(key) ?? 0) + delta);
  });
  const idle = ['(idle)', '(program)', '(garbage collector)'].map((name) => `${name}: ${(((selfUs.get(name) ?? 0) / totalUs) * 100).toFixed(1)} %`);
  console.log(`\n${file}: ${(totalUs / 1e6).toFixed(1)} s sampled; ${idle.join(', ')}`);
  const busy = [...selfUs].filter(([key]) => key !== '(idle)');
  const busyUs = busy.reduce((sum, [, us]) => sum + us, 0);
  for (const [key, us] of busy.sort((a, b) => b[1] - a[1]).slice(0, Number(values.top)))
    console.log(`${((us / busyUs) * 100).toFixed(1).padStart(5)} % of busy  ${(us / 1000).toFixed(0).padStart(6)} ms  ${key}`);
}
