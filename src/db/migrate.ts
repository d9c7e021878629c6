import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';

const MIGRATIONS_FOLDER = findMigrationsFolder();
/** Arbitrary constant: the advisory lock that serialises migrations across processes. */
const MIGRATION_LOCK = 4_207_311_901;

/**
 * Creates the database named in `url` when it does not exist yet (connecting to the `postgres`
 * maintenance database of the same server). Safe when several processes race to do it.
 */
export async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  if (!name) return;
  const probe = postgres(url, { max: 1, connect_timeout: 5, onnotice: () => {} });
  try {
    await probe`select 1`;
    return;
  } catch (error) {
    if (!isMissingDatabase(error)) throw error;
  } finally {
    await probe.end({ timeout: 1 });
  }
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const maintenance = postgres(admin.toString(), { max: 1, connect_timeout: 5, onnotice: () => {} });
  try {
    await maintenance.unsafe(`create database ${quoteIdent(name)}`);
  } catch (error) {
    if (!isDuplicateDatabase(error)) throw error;
  } finally {
    await maintenance.end({ timeout: 1 });
  }
}

/**
 * Creates the database if needed and applies pending SQL migrations from `drizzle/`,
 * holding an advisory lock so an api and a worker starting together do not both migrate.
 */
export async function migrateDatabase(url: string): Promise<void> {
  await ensureDatabase(url);
  const sql = postgres(url, { max: 1, connect_timeout: 5, onnotice: () => {} });
  try {
    await sql`select pg_advisory_lock(${MIGRATION_LOCK})`;
    try {
      await migrate(drizzle(sql), { migrationsFolder: MIGRATIONS_FOLDER });
    } finally {
      await sql`select pg_advisory_unlock(${MIGRATION_LOCK})`;
    }
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** True when every migration in `drizzle/` has been applied (for readiness checks). */
export async function migrationsApplied(sql: postgres.Sql): Promise<boolean> {
  const { readFile } = await import('node:fs/promises');
  const journal = JSON.parse(await readFile(`${MIGRATIONS_FOLDER}/meta/_journal.json`, 'utf8')) as { entries: unknown[] };
  try {
    const rows = await sql<{ count: string }[]>`select count(*)::text as count from drizzle.__drizzle_migrations`;
    return Number(rows[0]?.count ?? 0) >= journal.entries.length;
  } catch {
    return false;
  }
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function pgCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined;
}

function isMissingDatabase(error: unknown): boolean {
  return pgCode(error) === '3D000';
}

function isDuplicateDatabase(error: unknown): boolean {
  // 42P04 duplicate_database; 23505 when two CREATE DATABASE race on pg_database's unique index.
  return pgCode(error) === '42P04' || pgCode(error) === '23505';
}

/**
 * The project's `drizzle/` folder: `../../drizzle` from `src/db/` (run through tsx), `../drizzle`
 * from the bundle's chunks in `dist/`.
 */
function findMigrationsFolder(): string {
  for (const relative of ['../../drizzle', '../drizzle']) {
    const folder = fileURLToPath(new URL(relative, import.meta.url));
    if (existsSync(`${folder}/meta/_journal.json`)) return folder;
  }
  throw new Error(`no drizzle/meta/_journal.json found above ${fileURLToPath(import.meta.url)}`);
}
