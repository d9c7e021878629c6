/**
 * Process entry point: `all` (default: API + delivery workers + reconciler), `api`, `worker`, or
 * `migrate`. Configuration comes from the environment (src/config.ts). The `webhook-gateway` bin
 * runs the same roles as `start`, `api`, `worker` and `migrate`.
 */
import { runRole, type ServeRole } from './cli/index.ts';

const ROLES: readonly ServeRole[] = ['all', 'api', 'worker', 'migrate'];

const role = (process.argv[2] ?? 'all') as ServeRole;
if (!ROLES.includes(role)) {
  process.stderr.write(`usage: webhook-gateway [${ROLES.join('|')}]\n`);
  process.exit(2);
}
process.exit(await runRole(role, { env: process.env, err: (text) => process.stderr.write(text) }));
