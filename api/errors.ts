/**
 * Errors as people read them: `{ error, details }` with a Chinese-first message, and never a stack
 * trace or SQL. Anything unexpected is a 500 with a request id to quote to the operators.
 */
import type { ErrorRequestHandler } from 'express';
import { ZodError } from 'zod';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { RuleViolation } from '../domain/notice';
import { isDatabaseUnavailable } from '../db/ops';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly zh: string,
    readonly en: string,
    readonly details?: unknown,
  ) {
    super(`${zh} / ${en}`);
  }
}

export const notFound = (zh = '未找到', en = 'Not found') => new HttpError(404, zh, en);
export const forbidden = (zh = '无权执行此操作', en = 'You are not allowed to do this') => new HttpError(403, zh, en);

// not_issued / not_created: the workflow could not record the first step (issue 11).
const RULE_STATUS: Record<string, number> = { invalid_state: 409, forbidden: 403, invalid_input: 422, not_found: 404, not_issued: 422, not_created: 422 };

/** Maps a refused workflow update (its validator threw a RuleViolation) to an HttpError. */
export function fromWorkflowError(err: unknown): unknown {
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
    const status = RULE_STATUS[err.cause.type ?? ''];
    if (status) {
      const d = (err.cause.details?.[0] ?? {}) as { zh?: string; en?: string };
      return new HttpError(status, d.zh ?? err.cause.message, d.en ?? err.cause.message);
    }
  }
  if (err instanceof RuleViolation) return new HttpError(RULE_STATUS[err.code] ?? 400, err.zh, err.en);
  if (err instanceof WorkflowNotFoundError) {
    return new HttpError(409, '该通知的流程已结束，不能再办理', "The notice's process has ended; nothing more can be done");
  }
  return err;
}

export function zodDetails(err: ZodError) {
  return err.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
}

/** A Temporal call failed with this gRPC status anywhere in its cause chain (4 DEADLINE_EXCEEDED, 14 UNAVAILABLE). */
export function hasGrpcCode(err: unknown, code: number): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    if ((e as { code?: unknown }).code === code) return true;
  }
  return false;
}

export const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  const mapped = fromWorkflowError(err);
  if (mapped instanceof HttpError) {
    res.status(mapped.status).json({ error: mapped.message, details: mapped.details ?? null });
    return;
  }
  if (mapped instanceof ZodError) {
    // The message names the fields, so that a person who reads only it knows what to correct.
    const details = zodDetails(mapped);
    const fields = [...new Set(details.map((d) => d.path || '(body)'))].slice(0, 5);
    res.status(400).json({ error: `请求内容不符合要求：${fields.join('、')} / The request is not valid: ${fields.join(', ')}`, details });
    return;
  }
  // body-parser errors carry a status (400 bad JSON, 413 too large, 415 charset).
  const status = (err as { status?: number; statusCode?: number }).status ?? (err as { statusCode?: number }).statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const messages: Record<number, string> = {
      400: '请求体不是有效的 JSON / The request body is not valid JSON',
      413: '请求体过大 / The request body is too large',
      415: '不支持的请求体编码 / Unsupported request body encoding',
    };
    res.status(status).json({ error: messages[status] ?? '请求无效 / Bad request', details: null });
    return;
  }
  if (isDatabaseUnavailable(err)) {
    // An outage, not a bug: say so, and that it recovers by itself (GET /readyz tells when).
    req.log?.warn({ err: (err as Error).message }, 'database unavailable');
    res.setHeader('Retry-After', '5');
    res.status(503).json({ error: '数据库暂时不可用，请稍后重试 / The database is unavailable for now; try again shortly', details: null });
    return;
  }
  if (hasGrpcCode(err, 14 /* UNAVAILABLE: the Temporal frontend cannot be reached */)) {
    // Reads that ask Temporal itself (the stuck-process scan) while its server is away.
    req.log?.warn({ err: (err as Error).message }, 'Temporal unavailable');
    res.setHeader('Retry-After', '5');
    res.status(503).json({ error: '流程服务暂时不可用，请稍后重试 / The workflow service is unavailable for now; try again shortly', details: null });
    return;
  }
  req.log?.error({ err }, 'unhandled error');
  const id = typeof req.id === 'string' || typeof req.id === 'number' ? String(req.id) : '-';
  res.status(500).json({ error: `服务器内部错误，请联系管理员（请求号 ${id}）/ Internal error; quote request id ${id}`, details: null });
};
