/**
 * Verifies an exported audit log offline — no database, no network:
 *
 *   npm run -s audit:verify -- cyberduty-audit.jsonl [--anchor <seq>:<hash>]…
 *
 * Recomputes every entry's hash (domain/audit-chain.ts, README "Audit trail") and every link to the
 * previous entry, from seq 1. Prints `OK: N entries, head <seq>:<hash>` and exits 0, or names the
 * first broken entry and exits 1; exits 2 on a usage error or an unreadable file. `--anchor` (any
 * number of times) checks the chain still reaches a head noted down earlier with the same hash,
 * which detects removed newest entries and a rewritten chain. `-` reads standard input.
 */
import fs from 'node:fs';
import readline from 'node:readline';
import { ChainVerifier, parseEntryLine, type Anchor } from '../domain/audit-chain';

function usage(msg?: string): never {
  if (msg) process.stderr.write(`${msg}\n`);
  process.stderr.write('usage: npm run -s audit:verify -- <export.jsonl | -> [--anchor <seq>:<sha256>]…\n');
  process.exit(2);
}

async function main(argv: string[]): Promise<number> {
  let file: string | undefined;
  const anchors: Anchor[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--anchor') {
      const v = argv[++i] ?? '';
      const m = /^(\d{1,15}):([0-9a-fA-F]{64})$/.exec(v);
      if (!m) usage(`--anchor wants <seq>:<sha256 hex>, got "${v}"`);
      anchors.push({ seq: Number(m[1]), hash: m[2].toLowerCase() });
    } else if (a === '-h' || a === '--help') usage();
    else if (file === undefined) file = a;
    else usage(`unexpected argument "${a}"`);
  }
  if (file === undefined) usage('which file?');

  const input = file === '-' ? process.stdin : fs.createReadStream(file);
  const opened = new Promise<void>((resolve, reject) => {
    if (file === '-') resolve();
    else input.once('open', () => resolve()).once('error', reject);
  });
  try {
    await opened;
  } catch (err) {
    process.stderr.write(`cannot read ${file}: ${(err as Error).message}\n`);
    return 2;
  }

  const v = new ChainVerifier(anchors);
  let lineNo = 0;
  let brokenLine: number | undefined;
  for await (const line of readline.createInterface({ input, crlfDelay: Infinity })) {
    lineNo++;
    if (line.trim() === '') continue;
    const e = parseEntryLine(line);
    const broken = typeof e === 'string' ? v.malformed(`line ${lineNo}: ${e}`) : v.push(e);
    if (broken) {
      brokenLine = lineNo;
      break;
    }
  }
  const r = v.result();
  if (r.ok) {
    process.stdout.write(r.head ? `OK: ${r.count} entries, head ${r.head.seq}:${r.head.hash}\n` : 'OK: 0 entries (empty log)\n');
    return 0;
  }
  const b = r.firstBroken;
  const where = brokenLine !== undefined ? `line ${brokenLine}` : 'end of file';
  process.stdout.write(`BROKEN at entry ${b?.seq ?? '?'} (${where}): ${b?.reason ?? 'unknown'} — ${b?.message ?? ''}\n`);
  return 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`audit:verify failed: ${(err as Error).message}\n`);
    process.exit(2);
  },
);
