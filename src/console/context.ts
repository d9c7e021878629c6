import type { Context } from 'hono';
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import { DEFAULT_TENANT_ID, type Db } from '../db/index.ts';
import type { Logger } from '../logger.ts';
import type { HistoryService, RedeliveryService } from '../publisher/index.ts';
import type { Scope } from '../scope.ts';
import type { SecretBox } from '../secrets/index.ts';
import type { ConsoleEnv } from './guard.ts';
import type { Notice, PageContext } from './layout.tsx';

/** What the console is built from: the same services the HTTP API uses. */
export type ConsoleDeps = {
  db: Db;
  clock: Clock;
  logger: Logger;
  secretBox: SecretBox;
  history: HistoryService;
  redelivery: RedeliveryService;
  config: Pick<Config, 'adminToken' | 'adminSessionTtlMs' | 'breaker'>;
};

/** The console acts as the bootstrap admin (every tenant); its actions are audited under this actor. */
export const CONSOLE_SCOPE: Scope = { tenantId: DEFAULT_TENANT_ID, allTenants: true, actor: 'admin-console', scopes: ['admin'] };

/** The per-request part every page needs. */
export function pageContext(c: Context<ConsoleEnv>, devMode: boolean): PageContext {
  return { csrfToken: c.var.session.csrfToken, devMode };
}

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

/** The message for a `?notice=` left by a redirect after a POST (fixed texts, so a link cannot make the page say anything else). */
export function noticeFrom(query: Record<string, string>): Notice | undefined {
  const count = Number(query.count ?? 0) || 0;
  const skipped = Number(query.skipped ?? 0) || 0;
  switch (query.notice) {
    case 'breaker_reset':
      return { kind: 'info', text: 'Breaker reset: the circuit is closed and deliveries flow again.' };
    case 'redelivered':
      return {
        kind: 'info',
        text: `${plural(count, 'dead letter')} queued for redelivery.${skipped > 0 ? ` ${plural(skipped, 'dead letter')} skipped: the endpoint is disabled.` : ''}`,
      };
    case 'nothing_selected':
      return { kind: 'error', text: 'Select at least one dead letter first.' };
    case 'delivery_redelivered':
      return { kind: 'info', text: `Delivery queued for redelivery (attempt series ${count}).` };
    case 'dismissed':
      return { kind: 'info', text: 'Dead letter dismissed.' };
    case 'logged_out':
      return { kind: 'info', text: 'You have logged out.' };
    default:
      return undefined;
  }
}
