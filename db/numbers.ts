/**
 * Case numbers, one counter per year and series — notices "2026-0007", proposals "P2026-0007",
 * incidents "I2026-0007", each with the deployment's prefix ("HEU-2026-0007") — and the number a
 * repeated request or retried activity was given already, by its key.
 */
import type { Db } from './client';

/** The same key came with a different request. */
export class IdempotencyConflict extends Error {}

export interface NumberSeries {
  /** Before the year: '' for notices. */
  letter: '' | 'P' | 'I';
  counters: 'notice_counters' | 'proposal_counters' | 'incident_counters';
  /** Key → number given, with the request's digest. */
  requests: 'notice_requests' | 'proposal_requests' | 'incident_requests';
  keyColumn: 'idempotency_key' | 'source_key';
  idColumn: 'notice_id' | 'proposal_id' | 'incident_id';
}

export const NOTICE_NUMBERS: NumberSeries = { letter: '', counters: 'notice_counters', requests: 'notice_requests', keyColumn: 'idempotency_key', idColumn: 'notice_id' };
export const PROPOSAL_NUMBERS: NumberSeries = { letter: 'P', counters: 'proposal_counters', requests: 'proposal_requests', keyColumn: 'source_key', idColumn: 'proposal_id' };
export const INCIDENT_NUMBERS: NumberSeries = { letter: 'I', counters: 'incident_counters', requests: 'incident_requests', keyColumn: 'idempotency_key', idColumn: 'incident_id' };

/**
 * The next number of the series for the year, or the one already given for `key`. With a key, a
 * repeated request must come with the same digest (none given: none recorded), else
 * IdempotencyConflict.
 */
export async function allocateNumber(
  db: Db,
  series: NumberSeries,
  year: number,
  key: string | undefined,
  requestDigest: string | undefined,
  prefix = '',
): Promise<{ id: string; existing: boolean }> {
  const { counters, requests, keyColumn, idColumn } = series;
  return db.tx(async (q) => {
    if (key) {
      const prior = await q.query<{ id: string; request_digest: string | null }>(
        `SELECT ${idColumn} AS id, request_digest FROM ${requests} WHERE ${keyColumn} = $1`,
        [key],
      );
      if (prior.rows[0]) {
        if ((prior.rows[0].request_digest ?? undefined) !== requestDigest) throw new IdempotencyConflict();
        return { id: prior.rows[0].id, existing: true };
      }
    }
    const r = await q.query<{ last: number }>(
      `INSERT INTO ${counters} (year, last) VALUES ($1, 1)
       ON CONFLICT (year) DO UPDATE SET last = ${counters}.last + 1 RETURNING last`,
      [year],
    );
    const id = `${prefix ? `${prefix}-` : ''}${series.letter}${year}-${String(r.rows[0].last).padStart(4, '0')}`;
    if (key) {
      await q.query(`INSERT INTO ${requests} (${keyColumn}, ${idColumn}, request_digest) VALUES ($1, $2, $3)`, [key, id, requestDigest ?? null]);
    }
    return { id, existing: false };
  });
}
