/**
 * Column values as node-postgres and PGlite return them, made plain for JSON answers: timestamps
 * arrive as Date objects, json/jsonb as parsed values (or, on some paths, text).
 */

/** An ISO-8601 instant from a timestamptz column that cannot be null. */
export function iso(v: unknown): string {
  return new Date(v as string).toISOString();
}

/** An ISO-8601 instant, or null for a null column. */
export function isoOrNull(v: unknown): string | null {
  return v === null || v === undefined ? null : iso(v);
}

/** A json/jsonb column's value, whether the driver parsed it or handed over the text. */
export function jsonColumn<T>(v: unknown): T {
  return (typeof v === 'string' ? JSON.parse(v) : v) as T;
}
