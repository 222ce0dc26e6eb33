/**
 * The one text rule (domain/text.ts) and how activity errors are classified (activities/failures.ts),
 * the latter on the errors a real database raises.
 */
import fc from 'fast-check';
import { ApplicationFailure } from '@temporalio/common';
import { isAcceptableText, lineText, multilineText, storableJson, storableText, textProblem } from '../../domain/text';
import { orgFileSchema } from '../../domain/org';
import { asActivityFailure, classifyActivityError } from '../../activities/failures';
import { openTestDb, testBackends } from '../support/db';

const BAD_EVERYWHERE = ['\u0000', '\ud800', '\udfff', '\u0001', '\u001b', '\u007f', '\u0085', '\u009f'];

test('refused everywhere: NUL, unpaired surrogates, C0 (but tab and line breaks in free text), DEL, C1', () => {
  for (const c of BAD_EVERYWHERE) {
    expect(isAcceptableText(`前${c}后`, 'line')).toBe(false);
    expect(isAcceptableText(`前${c}后`, 'multiline')).toBe(false);
  }
  for (const c of ['\t', '\n', '\r', '\u2028', '\u2029']) {
    expect(isAcceptableText(`前${c}后`, 'line')).toBe(false);
    expect(isAcceptableText(`前${c}后`, 'multiline')).toBe(true);
  }
  expect(isAcceptableText('门户网站😀 SQL 注入 \u202e ①', 'line')).toBe(true);
  expect(textProblem('ab\u0000', 'line')).toMatchObject({ index: 3, codePoint: 0 });
  expect(textProblem('😀\ud800', 'line')).toMatchObject({ index: 2, codePoint: 0xd800 });
  expect(textProblem('x\udc00', 'multiline')?.en).toBe('character 2 is an unpaired surrogate U+DC00');
});

test('any string of well-formed code points without controls is accepted; one bad character anywhere is not', () => {
  const isControl = (cp: number) => cp <= 0x1f || (cp >= 0x7f && cp <= 0x9f) || cp === 0x2028 || cp === 0x2029;
  const noControls = fc.string({ unit: 'binary' }).filter((x) => ![...x].some((ch) => isControl(ch.codePointAt(0)!)));
  fc.assert(fc.property(noControls, (x) => isAcceptableText(x, 'line')));
  fc.assert(
    fc.property(fc.string({ unit: 'binary' }), fc.constantFrom(...BAD_EVERYWHERE), fc.string({ unit: 'binary' }), (a, bad, b) => !isAcceptableText(a + bad + b, 'multiline')),
  );
  // What storableText returns is always acceptable, and unchanged when it already was.
  fc.assert(fc.property(fc.string({ unit: 'binary' }), fc.constantFrom('', ...BAD_EVERYWHERE), (a, bad) => isAcceptableText(storableText(a + bad), 'multiline')));
  expect(storableText('a\u0000b\ud800c😀', 'line')).toBe('a\ufffdb\ufffdc😀');
  expect(storableJson({ t: 'x\u0000', list: ['\udc00'], n: 1 })).toEqual({ t: 'x\ufffd', list: ['\ufffd'], n: 1 });
});

test('the zod schemas: trimmed, limits, and the message names character and position', () => {
  expect(lineText({ max: 10 }).parse('  标题  ')).toBe('标题');
  expect(multilineText({ max: 50 }).parse('一\n\t二')).toBe('一\n\t二');
  const r = lineText({ max: 10 }).safeParse('a\u0000');
  expect(r.success).toBe(false);
  expect(r.error?.issues[0].message).toBe('第 2 个字符是空字符 U+0000 / character 2 is the NUL character U+0000');
  expect(lineText({ max: 3 }).safeParse('abcd').success).toBe(false);
  expect(lineText({ max: 3 }).safeParse('   ').success).toBe(false);
  expect(lineText({ max: 3, min: 0 }).safeParse('').success).toBe(true);
});

test('the organisation file refuses such text, naming the entry', () => {
  const file = {
    university: {},
    people: [{ id: 'p-a', name: '张\u0000三' }],
    units: [{ id: 'u1', name: '计算机\n学院', kind: 'college' }],
  };
  const r = orgFileSchema.safeParse(file);
  expect(r.success).toBe(false);
  expect(r.error?.issues.map((i) => i.path.join('.'))).toEqual(expect.arrayContaining(['people.0.name', 'units.0.name']));
});

describe.each(testBackends())('activity errors on %s', (backend) => {
  test('data exceptions and constraint violations are non-retryable; an idempotency-key conflict and a lost database are retried', async () => {
    const db = await openTestDb(backend);
    try {
      const err = async (sql: string, args: unknown[]) => {
        try {
          await db.query(sql, args);
        } catch (e) {
          return e;
        }
        throw new Error(`no error from ${sql}`);
      };
      const nul = await err('INSERT INTO people (id, name) VALUES ($1, $2)', ['p-x', 'a\u0000']);
      const surrogate = await err(`INSERT INTO notice_events (notice_id, seq, type, at, data) VALUES ('n', 1, 't', now(), $1)`, [JSON.stringify({ a: '\ud800' })]);
      const fk = await err(`INSERT INTO notice_events (notice_id, seq, type, at, data) VALUES ('no-such', 1, 't', now(), '{}')`, []);
      await db.query(`INSERT INTO notice_requests (idempotency_key, notice_id, request_digest) VALUES ('k-1', 'n', 'd')`);
      const dup = await err(`INSERT INTO notice_requests (idempotency_key, notice_id, request_digest) VALUES ('k-1', 'n', 'd')`, []);
      expect([nul, surrogate, fk, dup].map(classifyActivityError)).toEqual(['bad_data', 'bad_data', 'constraint', 'retryable']);
      const f = asActivityFailure(nul);
      expect(f).toBeInstanceOf(ApplicationFailure);
      expect(f).toMatchObject({ nonRetryable: true, type: 'bad_data' });
      expect((f as Error).message).toMatch(/SQLSTATE 22021/);
      await db.close();
      const closed = await err('SELECT 1', []);
      expect(classifyActivityError(closed)).toBe('retryable');
      expect(asActivityFailure(closed)).toBe(closed);
    } finally {
      await db.close().catch(() => undefined);
    }
  });
});
