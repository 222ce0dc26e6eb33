/** Request-schema pieces shared by the routers. */
import { z } from 'zod';

/** An ISO-8601 instant with an explicit offset (…Z or …+08:00). */
export const instant = z.iso.datetime({ offset: true });

/** Non-empty trimmed text of at most `max` characters. */
export const text = (max: number) => z.string().trim().min(1).max(max);

/** A notice number: 2026-0001, or with the deployment's ID_PREFIX, HEU-2026-0001. */
export const NOTICE_ID_PATTERN = /^([A-Z][A-Z0-9]{0,9}-)?\d{4}-\d{4,}$/;
export const noticeId = z.string().regex(NOTICE_ID_PATTERN, 'a notice number such as 2026-0001');
