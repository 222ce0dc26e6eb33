/**
 * /api/audit: the audit trail for the office and the inspection and audit offices (Art. 10).
 * `GET /` lists entries newest first with filters; `GET /verify` recomputes the whole chain and
 * reports the first broken link, or the head to note down; `GET /export` streams the log as JSON
 * lines for offline verification (`npm run -s audit:verify -- file.jsonl`), after appending an
 * `audit.export` entry naming who exported how many entries.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Router, type Response } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Db } from '../db/client';
import { AUDIT_LOCK, appendAudit, exportAudit, listAudit, verifyAudit } from '../db/audit';
import { can, type Action, type CurrentUser } from './access';
import { forbidden } from './errors';
import { lineText } from './schemas';

export interface AuditRouteDeps {
  db: Db;
  logger: Logger;
}

const id = lineText({ max: 128 });
const listQuery = z.strictObject({
  actorId: id.optional(),
  action: lineText({ max: 256 }).optional(),
  targetType: id.optional(),
  targetId: id.optional(),
  outcome: z.enum(['ok', 'refused', 'error']).optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  page: z.coerce.number().int().min(1).max(100000).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(50),
});

const anchorQuery = z.strictObject({
  // A head noted down earlier, "<seq>:<hash>": the chain must still reach it with that hash.
  anchor: z
    .string()
    .regex(/^\d{1,15}:[0-9a-f]{64}$/, 'anchor is <seq>:<sha256 hex>')
    .optional(),
});

function allowed(res: Response, action: Action): CurrentUser {
  const u = res.locals.user as CurrentUser;
  if (!can(u, action)) throw forbidden('只有领导小组办公室、巡察办和审计处可以查看审计日志', 'Only the office and the inspection and audit offices may read the audit log');
  return u;
}

export function auditRoutes({ db, logger }: AuditRouteDeps): Router {
  const r = Router();

  r.get('/', async (req, res) => {
    allowed(res, 'audit.read');
    const q = listQuery.parse(req.query);
    const out = await listAudit(db, {
      ...q,
      from: q.from ? new Date(q.from) : undefined,
      to: q.to ? new Date(q.to) : undefined,
    });
    res.json({ ...out, page: q.page, pageSize: q.pageSize });
  });

  r.get('/verify', async (req, res) => {
    allowed(res, 'audit.read');
    const q = anchorQuery.parse(req.query);
    const anchors = q.anchor ? [{ seq: Number(q.anchor.split(':')[0]), hash: q.anchor.split(':')[1] }] : [];
    const result = await verifyAudit(db, { anchors });
    res.json({ ...result, verifiedAt: new Date().toISOString() });
  });

  r.get('/export', async (req, res) => {
    const u = allowed(res, 'audit.export');
    z.strictObject({}).parse(req.query);
    // The export records itself first, and includes that entry: the file ends with it.
    const head = await db.tx(async (q) => {
      // Under the append lock, so the count is the one the export entry follows.
      await q.query(`SELECT pg_advisory_xact_lock(${AUDIT_LOCK})`);
      const n = await q.query<{ n: string | number }>('SELECT count(*) AS n FROM audit_log');
      return appendAudit(q, {
        actorId: u.id,
        action: 'audit.export',
        targetType: 'audit',
        targetId: null,
        requestId: typeof req.id === 'string' ? req.id : null,
        outcome: 'ok',
        details: { entries: Number(n.rows[0].n) + 1, format: 'jsonl' },
      });
    });
    const untilSeq = head?.seq ?? 0;
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
    res.status(200);
    res.setHeader('Content-Type', 'application/x-ndjson; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="cyberduty-audit-${stamp}.jsonl"`);
    res.setHeader('X-Audit-Head', `${untilSeq}:${head?.hash ?? ''}`);
    res.setHeader('Cache-Control', 'no-store');
    try {
      await pipeline(Readable.from(exportAudit(db, { untilSeq })), res);
    } catch (err) {
      // Headers are sent: all we can do is cut the stream (the file then fails to verify).
      logger.error({ err, requestId: req.id }, 'audit export failed while streaming');
      res.destroy();
    }
  });

  return r;
}
