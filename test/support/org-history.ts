/**
 * An organisation with a past, for tests of "as at a date" and role history: the small
 * organisation as imported by the stack is moved back `startedDaysAgo` days (as if it had been
 * imported then), and `changedDaysAgo` days ago a changed file was imported in which 杨帆
 * (p-yang-fan) took over from 刘洋 (p-liu-yang) as cs's direct responsible person.
 */
import type { Db } from '../../db/client';
import { importOrg, loadOrgFile } from '../../db/org';
import { SMALL_ORG } from './stack';

export const HANDOVER = { unitId: 'cs', role: 'direct_responsible', before: 'p-liu-yang', after: 'p-yang-fan' } as const;

export async function giveOrgAHistory(db: Db, opts: { startedDaysAgo: number; changedDaysAgo: number }): Promise<{ started: Date; changed: Date }> {
  const day = 86400000;
  const started = new Date(Date.now() - opts.startedDaysAgo * day);
  const changed = new Date(Date.now() - opts.changedDaysAgo * day);
  // The stack imported a moment ago; that import is moved to `started`, all it opened with it.
  await db.query(`UPDATE role_assignments SET valid_from = $1`, [started]);
  await db.query(`UPDATE org_imports SET imported_at = $1`, [started]);
  const file = loadOrgFile(SMALL_ORG);
  file.units.find((u) => u.id === HANDOVER.unitId)!.directResponsible = HANDOVER.after;
  await importOrg(db, file, { source: 'test: handover', now: changed });
  return { started, changed };
}
