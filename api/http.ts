/**
 * The HTTP helpers every router shares, once each: who is asking (`user`), the `Idempotency-Key`
 * of a create (header check, request digest, the 409 of a reused key), and evidence files (an
 * upload decoded and checked against the size limit, stored content-addressed; a download).
 */
import crypto from 'node:crypto';
import type { Request, Response } from 'express';
import type { Db } from '../db/client';
import { getEvidence, storeEvidence } from '../db/notices';
import { IdempotencyConflict } from '../db/numbers';
import type { CurrentUser } from './access';
import { HttpError, notFound } from './errors';
import { idempotencyKey as idempotencyKeySchema } from './schemas';

/** The signed-in person (set by the authentication middleware before any router runs). */
export function user(res: Response): CurrentUser {
  return res.locals.user as CurrentUser;
}

// ---- Idempotency-Key ----

/** The request's `Idempotency-Key`, checked (400 when malformed); undefined when none was sent. */
export function idempotencyKey(req: Request): string | undefined {
  const key = req.get('idempotency-key');
  if (key !== undefined && !idempotencyKeySchema.safeParse(key).success) {
    throw new HttpError(400, 'Idempotency-Key 须为 8–128 位字母、数字或 ._:-', 'Idempotency-Key must be 8–128 characters of letters, digits or ._:-');
  }
  return key;
}

/** What a repeated request must match to count as the same one. */
export function requestDigest(body: unknown): string {
  return crypto.createHash('sha256').update(JSON.stringify(body)).digest('hex');
}

/**
 * Runs an allocation keyed by the Idempotency-Key; a key already used for a different request is
 * a 409 naming what it was used for (`what`: "通知" / "notice").
 */
export async function withIdempotency<T>(what: { zh: string; en: string }, allocate: () => Promise<T>): Promise<T> {
  try {
    return await allocate();
  } catch (err) {
    if (err instanceof IdempotencyConflict) {
      throw new HttpError(409, `该 Idempotency-Key 已用于另一份不同的${what.zh}`, `That Idempotency-Key was used for a different ${what.en}`);
    }
    throw err;
  }
}

// ---- Evidence files ----

export interface EvidenceUpload {
  name: string;
  mediaType: string;
  content: Buffer;
  sha256: string;
  size: number;
}

/** Decodes an upload and checks its size (413 over the limit); nothing is written yet. */
export function decodeEvidence(e: { name: string; mediaType: string; contentBase64: string }, maxBytes: number): EvidenceUpload {
  const content = Buffer.from(e.contentBase64, 'base64');
  if (content.length > maxBytes) {
    throw new HttpError(413, `佐证材料“${e.name}”超过大小上限 ${maxBytes} 字节`, `Evidence "${e.name}" is larger than the limit of ${maxBytes} bytes`);
  }
  return { name: e.name, mediaType: e.mediaType, content, sha256: crypto.createHash('sha256').update(content).digest('hex'), size: content.length };
}

/** Stores uploads, content-addressed, before the workflow sees their hashes (a record never points at a missing file). */
export async function storeEvidenceUploads(db: Db, uploads: Array<{ content: Buffer; mediaType: string }>, uploadedBy: string): Promise<void> {
  for (const u of uploads) await storeEvidence(db, { content: u.content, mediaType: u.mediaType }, uploadedBy);
}

/** Sends a stored evidence file as a download under its recorded name; 404 when it is not there. */
export async function sendEvidence(db: Db, res: Response, item: { name: string; sha256: string } | undefined): Promise<void> {
  const file = item ? await getEvidence(db, item.sha256) : null;
  if (!item || !file) throw notFound('找不到该佐证材料', 'No such evidence item');
  res.setHeader('Content-Type', file.mediaType);
  res.setHeader('Content-Disposition', `attachment; filename*=UTF-8''${encodeURIComponent(item.name)}`);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.send(file.content);
}
