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

/** The counter's value as the number's digits: four at least ("0007"), all of them past 9999. */
const NUMBER_DIGITS = `lpad(last::text, greatest(4, length(last::text)), '0')`;

/**
 * The next number of the series for the year, or the one already given for `key`. With a key, a
 * repeated request must come with the same digest (none given: none recorded), else
 * IdempotencyConflict.
 * One statement, not a transaction of several: every notice takes the year's counter row, and its
 * lock is held to the commit, so the fewer round trips between the increment and the commit, the
 * less the next notice waits. The counter moves only when the key has no number yet (the INSERT …
 * SELECT … WHERE NOT EXISTS selects no row then).
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
  const head = `${prefix ? `${prefix}-` : ''}${series.letter}${year}-`;
  if (!key) {
    const r = await db.query<{ id: string }>(
      `INSERT INTO ${counters} (year, last) VALUES ($1, 1)
       ON CONFLICT (year) DO UPDATE SET last = ${counters}.last + 1 RETURNING $2 || ${NUMBER_DIGITS} AS id`,
      [year, head],
    );
    return { id: r.rows[0].id, existing: false };
  }
  const once = () =>
    db.query<{ id: string; request_digest: string | null; existing: boolean }>(
      `WITH prior AS (SELECT ${idColumn} AS id, request_digest FROM ${requests} WHERE ${keyColumn} = $1),
       next AS (
         INSERT INTO ${counters} (year, last) SELECT $2, 1 WHERE NOT EXISTS (SELECT 1 FROM prior)
         ON CONFLICT (year) DO UPDATE SET last = ${counters}.last + 1 RETURNING last),
       made AS (
         INSERT INTO ${requests} (${keyColumn}, ${idColumn}, request_digest)
         SELECT $1, $3 || ${NUMBER_DIGITS}, $4 FROM next
         RETURNING ${idColumn} AS id)
       SELECT id, request_digest, true AS existing FROM prior
       UNION ALL SELECT id, NULL, false FROM made`,
      [key, year, head, requestDigest ?? null],
    );
  let r;
  try {
    r = await once();
  } catch (err) {
    // The same key in two requests at once: both saw no number, the other one recorded its
    // number first, and this statement (its increment with it) was undone. Now it sees that one.
    if ((err as { code?: string }).code !== '23505') throw err;
    r = await once();
  }
  const row = r.rows[0];
  if (row.existing && (row.request_digest ?? undefined) !== requestDigest) throw new IdempotencyConflict();
  return { id: row.id, existing: row.existing };
}
