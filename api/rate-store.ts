/**
 * An express-rate-limit store on PostgreSQL (db/rate-limits.ts), for limits that hold across API
 * instances. With the embedded PGlite there is one process only, and the limiter keeps its
 * counters in memory (express-rate-limit's default store), which is then the same thing.
 * If the database is unavailable the request is let through (the limit is a guard against abuse,
 * not a reason to add an outage of its own); the route then answers 503 on its own account.
 */
import type { ClientRateLimitInfo, IncrementResponse, Options, Store } from 'express-rate-limit';
import type { Db } from '../db/client';
import { hit, peekHits, purgeHits, resetHits, unhit } from '../db/rate-limits';

export class DbRateStore implements Store {
  private windowMs = 60000;
  private lastPurge = 0;
  readonly localKeys = false;

  constructor(
    private readonly db: Db,
    readonly prefix: string,
  ) {}

  init(options: Options): void {
    this.windowMs = options.windowMs;
  }

  async increment(key: string): Promise<IncrementResponse> {
    if (Date.now() - this.lastPurge > 10 * 60000) {
      this.lastPurge = Date.now();
      void purgeHits(this.db).catch(() => undefined);
    }
    try {
      const r = await hit(this.db, `${this.prefix}${key}`, this.windowMs);
      return { totalHits: r.hits, resetTime: r.resetAt };
    } catch {
      return { totalHits: 0, resetTime: new Date(Date.now() + this.windowMs) };
    }
  }

  /** The window's count without counting; undefined when there is none, or the database is away. */
  async get(key: string): Promise<ClientRateLimitInfo | undefined> {
    try {
      const r = await peekHits(this.db, `${this.prefix}${key}`);
      return r ? { totalHits: r.hits, resetTime: r.resetAt } : undefined;
    } catch {
      return undefined;
    }
  }

  async decrement(key: string): Promise<void> {
    await unhit(this.db, `${this.prefix}${key}`).catch(() => undefined);
  }

  async resetKey(key: string): Promise<void> {
    await resetHits(this.db, `${this.prefix}${key}`);
  }
}

/**
 * The store for one limiter: shared in PostgreSQL, in memory on PGlite (one process). The prefix
 * names the limiter and its limit, so limiters configured differently never share a counter.
 */
export function rateStore(db: Db | undefined, prefix: string): Store | undefined {
  return db?.kind === 'postgres' ? new DbRateStore(db, prefix) : undefined;
}
