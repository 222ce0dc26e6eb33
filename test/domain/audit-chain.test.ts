/** The audit hash chain: canonical form, the exact hash recipe, and what the verifier detects. */
import { createHash } from 'node:crypto';
import {
  canonicalEntry,
  canonicalJson,
  chainEntry,
  entryHash,
  GENESIS_HASH,
  parseEntryLine,
  verifyChain,
  type AuditEntry,
} from '../../domain/audit-chain';

function chain(n: number): AuditEntry[] {
  const out: AuditEntry[] = [];
  for (let i = 0; i < n; i++) {
    out.push(
      chainEntry(out[i - 1] ?? null, {
        at: new Date(Date.UTC(2026, 2, 1, 8, 0, i)).toISOString(),
        actorId: i % 2 ? 'p-li-na' : 'p-chen-jing',
        action: i % 2 ? 'POST /api/notices/:id/acknowledge' : 'notice.issued',
        targetType: 'notice',
        targetId: `2026-000${i}`,
        requestId: i % 2 ? `req-${i}` : null,
        outcome: 'ok',
        details: { status: 200, seq: i, nested: { b: 1, a: [true, null, '签收'] } },
        idempotencyKey: i % 2 ? null : `notice:2026-000${i}:${i}`,
      }),
    );
  }
  return out;
}

test('canonical JSON sorts keys at every depth, drops undefined members, keeps nulls', () => {
  expect(canonicalJson({ b: 1, a: { d: [1, 'x', null], c: undefined, b: '整改' } })).toBe('{"a":{"b":"整改","d":[1,"x",null]},"b":1}');
  expect(() => canonicalJson({ x: Number.NaN })).toThrow();
});

test('the hash is SHA-256 over the canonical form of every field but the hash (the documented recipe)', () => {
  const e = chain(1)[0];
  expect(e.seq).toBe(1);
  expect(e.prevHash).toBe(GENESIS_HASH);
  const { hash, ...rest } = e;
  const byHand = createHash('sha256')
    .update(
      JSON.stringify(
        Object.fromEntries(
          Object.entries({ ...rest, details: JSON.parse(canonicalJson(rest.details)) }).sort(([a], [b]) => (a < b ? -1 : 1)),
        ),
      ),
      'utf8',
    )
    .digest('hex');
  expect(canonicalEntry(rest)).toBe(
    '{"action":"notice.issued","actorId":"p-chen-jing","at":"2026-03-01T08:00:00.000Z",' +
      '"details":{"nested":{"a":[true,null,"签收"],"b":1},"seq":0,"status":200},"idempotencyKey":"notice:2026-0000:0",' +
      `"outcome":"ok","prevHash":"${GENESIS_HASH}","requestId":null,"seq":1,"targetId":"2026-0000","targetType":"notice"}`,
  );
  expect(hash).toBe(byHand);
  expect(entryHash(rest)).toBe(hash);
  // Frozen (also what `jq -cS 'del(.hash)' | tr -d '\n' | sha256sum` gives for this line): changing
  // the recipe invalidates every export ever made, so it must be a deliberate change.
  expect(hash).toBe('c2e1cbbf9b8d4d36235ecc6141f8eeb711ae4f1ac195a99fc2ca6110c128d11d');
});

test('an intact chain verifies and reports its head', () => {
  const c = chain(5);
  expect(verifyChain(c)).toEqual({ ok: true, count: 5, head: { seq: 5, hash: c[4].hash, at: c[4].at } });
  expect(verifyChain([])).toEqual({ ok: true, count: 0, head: null });
});

test('a removed entry is reported at its seq', () => {
  const c = chain(5);
  expect(verifyChain([c[0], c[1], c[3], c[4]]).firstBroken).toMatchObject({ seq: 3, reason: 'gap' });
  expect(verifyChain(c.slice(1)).firstBroken).toMatchObject({ seq: 1, reason: 'gap' });
});

test('an edited entry is reported at its seq; re-hashing it moves the report to the next entry', () => {
  const c = chain(5);
  const edited = c.map((e) => (e.seq === 3 ? { ...e, details: { ...e.details, status: 403 } } : e));
  expect(verifyChain(edited).firstBroken).toMatchObject({ seq: 3, reason: 'hash_mismatch' });
  const rehashed = c.map((e) => {
    if (e.seq !== 3) return e;
    const { hash: _h, ...rest } = { ...e, actorId: 'p-someone-else' };
    return { ...rest, hash: entryHash(rest) };
  });
  expect(verifyChain(rehashed).firstBroken).toMatchObject({ seq: 4, reason: 'prev_mismatch' });
});

test('two entries swapped (contents under the same seqs, or lines out of order) are reported at the first', () => {
  const c = chain(5);
  const swapped = c.map((e, i) => (i === 1 ? { ...c[2], seq: 2 } : i === 2 ? { ...c[1], seq: 3 } : e));
  expect(verifyChain(swapped).firstBroken).toMatchObject({ seq: 2, reason: 'hash_mismatch' });
  expect(verifyChain([c[0], c[2], c[1], c[3]]).firstBroken).toMatchObject({ seq: 2, reason: 'gap' });
});

test('anchors detect truncation of the newest entries and a rewritten chain', () => {
  const c = chain(5);
  const anchor = { seq: 5, hash: c[4].hash };
  expect(verifyChain(c, [anchor]).ok).toBe(true);
  // Without an anchor, dropping the newest entries leaves a valid (shorter) chain …
  expect(verifyChain(c.slice(0, 3)).ok).toBe(true);
  // … with one, it is detected.
  expect(verifyChain(c.slice(0, 3), [anchor]).firstBroken).toMatchObject({ seq: 4, reason: 'truncated' });
  // A chain rewritten from seq 2 on (every hash recomputed) verifies on its own, but not against the anchor.
  const rewritten: AuditEntry[] = [c[0]];
  for (const e of c.slice(1)) {
    const { seq: _s, prevHash: _p, hash: _h, ...fields } = e;
    rewritten.push(chainEntry(rewritten[rewritten.length - 1], { ...fields, actorId: 'p-forger' }));
  }
  expect(verifyChain(rewritten).ok).toBe(true);
  expect(verifyChain(rewritten, [anchor]).firstBroken).toMatchObject({ seq: 5, reason: 'anchor_mismatch' });
});

test('exported lines parse back into entries; anything else is named', () => {
  const e = chain(1)[0];
  expect(parseEntryLine(JSON.stringify(e))).toEqual(e);
  expect(parseEntryLine('{oops')).toBe('not a JSON line');
  expect(parseEntryLine(JSON.stringify({ ...e, seq: '1' }))).toContain('seq');
});
