/**
 * Notices and timeline events generated directly in SQL (generate_series), as a running system's
 * projection holds them: units, severities and statuses spread evenly (most closed, 10 % open of
 * which a third overdue), issue times over a year, state JSON of a realistic size. Used by the read
 * benchmark (100,000 notices, 1,000,000 events) and the memory benchmark (PGlite's share). Needs
 * the organisation imported first (the units).
 */
import type { Db } from '../db/client';

export async function generateNotices(db: Db, n: number, events: number): Promise<void> {
  const units = (await db.query<{ id: string }>('SELECT id FROM units ORDER BY id')).rows.map((r) => r.id);
  const pad = 'x'.repeat(600);
  // Statuses as a running system has them: most closed, some open, a few overdue.
  await db.query(
    `INSERT INTO notices (id, workflow_id, unit_id, title, category, severity, status, overdue,
       acknowledge_by, rectify_by, issued_by, issued_at, closed_at, version, state, updated_at)
     SELECT 'B-' || lpad(g::text, 7, '0'), 'notice-B-' || lpad(g::text, 7, '0'),
            ($1::text[])[1 + g % array_length($1::text[], 1)],
            '门户网站漏洞整改 ' || g,
            (ARRAY['vulnerability','outage','content','other'])[1 + g % 4],
            (ARRAY['critical','high','medium','low'])[1 + (g / 7) % 4],
            st.status,
            CASE WHEN st.status IN ('issued','rectifying') AND g % 3 = 0 THEN (CASE WHEN st.status = 'issued' THEN 'acknowledge' ELSE 'rectify' END) END,
            t.issued + interval '1 day', t.issued + interval '7 days', 'p-chen-jing', t.issued,
            CASE WHEN st.status IN ('closed','withdrawn') THEN t.issued + interval '6 days' END,
            $3::int,
            jsonb_build_object('id', 'B-' || g, 'title', '门户网站漏洞整改 ' || g, 'description', $2::text,
              'status', st.status, 'rectifications', '[]'::jsonb, 'extensions', '[]'::jsonb, 'escalations', '[]'::jsonb,
              'remindersSent', '[]'::jsonb, 'assets', jsonb_build_array('https://news.example.edu.cn/news.php')),
            t.issued + interval '6 days'
     FROM generate_series(1, $4::int) g
     CROSS JOIN LATERAL (SELECT timestamptz '2025-12-01 00:00+08' + (g::float8 / $4::int) * interval '365 days' AS issued) t
     CROSS JOIN LATERAL (SELECT (ARRAY['closed','closed','closed','closed','closed','closed','rectifying','under_review','issued','withdrawn'])[1 + g % 10] AS status) st`,
    [units, pad, events, n],
  );
  const types = ['issued', 'acknowledged', 'reminder_sent', 'rectification_submitted', 'review_rejected', 'rectification_submitted', 'review_accepted', 'reminder_sent', 'overdue', 'escalated'];
  // In slices, so PGlite's single WASM heap is not asked for 1,000,000 rows at once.
  const slice = 20000;
  for (let from = 1; from <= n; from += slice) {
    await db.query(
      `INSERT INTO notice_events (notice_id, seq, type, actor_id, at, data)
       SELECT n.id, s, ($1::text[])[1 + (s - 1) % array_length($1::text[], 1)], CASE WHEN s % 2 = 0 THEN 'p-li-na' ELSE 'p-chen-jing' END,
              n.issued_at + s * interval '1 hour', jsonb_build_object('deadline', 'rectify', 'due', n.rectify_by)
       FROM notices n CROSS JOIN generate_series(1, $2::int) s
       WHERE n.id BETWEEN 'B-' || lpad($3::text, 7, '0') AND 'B-' || lpad($4::text, 7, '0')`,
      [types, events, from, Math.min(n, from + slice - 1)],
    );
  }
  // As autovacuum would leave it: statistics and the visibility map (index-only counts).
  await db.query('VACUUM ANALYZE notices');
  await db.query('VACUUM ANALYZE notice_events');
}

