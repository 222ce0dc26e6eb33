/**
 * Request-schema pieces shared by the routers. Every string a request carries into the database or
 * a workflow — body fields, query values, path parameters, stored headers — is one of these, so the
 * rules of domain/text.ts (no NUL, no unpaired surrogate, no control characters; single-line where
 * it is a title, a name or an id) hold at the edge: a refusal is a 400 naming the field, before a
 * number is allocated or a workflow starts.
 */
import { z } from 'zod';
import { lineText, multilineText } from '../domain/text';

export { lineText, multilineText, textProblem, storableText } from '../domain/text';

/** An ISO-8601 instant with an explicit offset (…Z or …+08:00). */
export const instant = z.iso.datetime({ offset: true });

/** Non-empty, trimmed free text of at most `max` characters (newlines and tabs kept). */
export const text = (max: number) => multilineText({ max });

/** Optional free text: trimmed, may be empty (comments, reasons that may be left out). */
export const optionalText = (max: number) => multilineText({ max, min: 0 });

/** Non-empty, trimmed single line of at most `max` characters: titles, names, unit ids. */
export const line = (max: number) => lineText({ max });

/** A query-string value: one line, may be empty (as an absent filter). */
export const queryText = (max = 64) => lineText({ max, min: 0, trim: false });

/** A notice number: 2026-0001, or with the deployment's ID_PREFIX, HEU-2026-0001. */
export const NOTICE_ID_PATTERN = /^([A-Z][A-Z0-9]{0,9}-)?\d{4}-\d{4,}$/;
export const noticeId = z.string().regex(NOTICE_ID_PATTERN, 'a notice number such as 2026-0001');

/** The `Idempotency-Key` header (stored with the number it allocated). */
export const idempotencyKey = lineText({ max: 128, trim: false }).regex(/^[\w.:-]{8,128}$/, 'Idempotency-Key 须为 8–128 位字母、数字或 ._:- / Idempotency-Key must be 8–128 characters of letters, digits or ._:-');
