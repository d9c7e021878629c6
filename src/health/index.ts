/**
 * Readiness: whether this process's dependencies (Postgres, migrations, Redis) answer. Kept apart
 * from the API so a worker process can serve `/readyz` on its operations port without loading it.
 */
export { createReadinessCheck, toReadiness, type Probe, type Readiness, type ReadinessCheck } from './readiness.ts';
