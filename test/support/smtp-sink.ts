/**
 * A real SMTP server for tests and the benchmark (the `smtp-server` package), receiving over TCP on
 * loopback. It keeps what it received, parsed with mailparser, and — like a receiving server with
 * duplicate suppression — counts a message once per Message-ID, while `transactions` counts every
 * accepted DATA. It can be started later on a reserved port (a server that is down, then up),
 * refuse messages, or hold its reply to a DATA (to kill a sender before the server accepts).
 */
import { SMTPServer, type SMTPServerSession } from 'smtp-server';
import { simpleParser, type AddressObject } from 'mailparser';
import { freePort } from '../../scripts/temporal-cli';

export interface ReceivedMail {
  messageId: string;
  /** Envelope recipients (RCPT TO). */
  rcptTo: string[];
  from: string;
  to: string;
  subject: string;
  text: string;
  headers: Map<string, unknown>;
  key: string | null;
  at: number;
}

export interface SmtpSink {
  port: number;
  /** smtp://127.0.0.1:<port> */
  url: string;
  /** Delivered messages, one per Message-ID (a resend of the same message is not a second one). */
  messages: ReceivedMail[];
  /** Every accepted DATA, duplicates included. */
  transactions: Array<{ messageId: string; key: string | null; at: number }>;
  listening(): boolean;
  /** Starts listening on `port` (again). */
  start(): Promise<void>;
  /** Stops listening and drops open connections (the server is "down"). */
  stop(): Promise<void>;
  /** Answers the next `n` DATA with a temporary (451) or permanent (550) refusal. */
  refuseNext(n: number, code?: 451 | 550): void;
  /**
   * Holds the reply to the next DATA: the promise resolves when its content has arrived (the
   * client now waits for 250). If the client goes away first, the message is not accepted.
   */
  holdNext(): Promise<void>;
  /** Accepts the held message. */
  release(): void;
}

export async function startSmtpSink(opts: { port?: number; listen?: boolean; parse?: boolean; starttls?: boolean } = {}): Promise<SmtpSink> {
  const port = opts.port ?? (await freePort());
  const parse = opts.parse ?? true;
  const messages: ReceivedMail[] = [];
  const seen = new Set<string>();
  const transactions: SmtpSink['transactions'] = [];
  let refusals: { n: number; code: number } = { n: 0, code: 451 };
  let hold: { arrived: () => void; session?: string; release?: () => void } | undefined;
  let server: SMTPServer | undefined;
  /** Bumped by stop(): what was in flight before it is not accepted after it. */
  let generation = 0;

  const accept = (mail: ReceivedMail) => {
    transactions.push({ messageId: mail.messageId, key: mail.key, at: mail.at });
    if (!seen.has(mail.messageId)) {
      seen.add(mail.messageId);
      messages.push(mail);
    }
  };

  const create = () =>
    new SMTPServer({
      authOptional: true,
      disabledCommands: opts.starttls ? [] : ['STARTTLS'],
      logger: false,
      banner: 'cyberduty test sink',
      disableReverseLookup: true,
      onData(stream, session: SMTPServerSession, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const at = Date.now();
          const raw = Buffer.concat(chunks);
          if (refusals.n > 0) {
            refusals.n--;
            const err = new Error(refusals.code === 550 ? 'Mailbox unavailable' : 'Try again later') as Error & { responseCode: number };
            err.responseCode = refusals.code;
            callback(err);
            return;
          }
          const finish = async () => {
            const rcptTo = session.envelope.rcptTo.map((r) => r.address);
            if (!parse) {
              const head = raw.subarray(0, Math.min(raw.length, 4096)).toString('latin1');
              const messageId = /^Message-ID:\s*(<[^>]+>)/im.exec(head)?.[1] ?? `no-id-${at}-${Math.random()}`;
              const key = /^X-Cyberduty-Key:\s*(\S+)/im.exec(head)?.[1];
              return { messageId, rcptTo, from: '', to: '', subject: '', text: '', headers: new Map(), key: key ? decodeURIComponent(key) : null, at };
            }
            const m = await simpleParser(raw);
            const addr = (a: AddressObject | AddressObject[] | undefined) => (Array.isArray(a) ? a.map((x) => x.text).join(', ') : (a?.text ?? ''));
            const key = m.headers.get('x-cyberduty-key');
            return {
              messageId: m.messageId ?? `no-id-${at}`,
              rcptTo,
              from: addr(m.from),
              to: addr(m.to),
              subject: m.subject ?? '',
              text: m.text ?? '',
              headers: m.headers as Map<string, unknown>,
              key: typeof key === 'string' ? decodeURIComponent(key) : null,
              at,
            } satisfies ReceivedMail;
          };
          // A message whose parsing (or hold) outlived a stop() is not accepted: its connection is
          // closed, our 250 could never reach the client, and a real server down before committing
          // it would not have it either (counted, the client's resend looked like a double send).
          const up = generation;
          const commit = () =>
            finish().then((m) => {
              if (up !== generation) return callback(new Error('server going down'));
              accept(m);
              callback();
            }, callback);
          if (hold && !hold.session) {
            const h = hold;
            h.session = session.id;
            h.release = () => {
              hold = undefined;
              void commit();
            };
            h.arrived();
            return;
          }
          void commit();
        });
      },
      onClose(session) {
        // The client went away while we held its reply: the message was never accepted.
        if (hold?.session === session.id) hold = undefined;
      },
    });

  const sink: SmtpSink = {
    port,
    url: `smtp://127.0.0.1:${port}`,
    messages,
    transactions,
    listening: () => !!server,
    async start() {
      if (server) return;
      const s = create();
      await new Promise<void>((resolve, reject) => {
        s.server.once('error', reject);
        s.listen(port, '127.0.0.1', () => resolve());
      });
      server = s;
    },
    async stop() {
      const s = server;
      if (!s) return;
      server = undefined;
      generation++;
      for (const c of s.connections) (c as unknown as { close(): void }).close();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    },
    refuseNext(n, code = 451) {
      refusals = { n, code };
    },
    holdNext() {
      return new Promise<void>((arrived) => {
        hold = { arrived };
      });
    },
    release() {
      hold?.release?.();
    },
  };
  if (opts.listen ?? true) await sink.start();
  return sink;
}
