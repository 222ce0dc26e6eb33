/**
 * E-mail over SMTP with nodemailer (pooled connections). Each message carries a Message-ID derived
 * from its idempotency key only, so a resend after a crash is the same message to the receiving
 * server and to mail clients (which can drop it as a duplicate), and a Date of its creation.
 */
import crypto from 'node:crypto';
import nodemailer from 'nodemailer';
import type { OutboxMessage } from '../outbox';
import { DeliveryError, type ChannelSender, type SendResult } from './types';

export interface SmtpOptions {
  /** smtp://user:pass@host:port (STARTTLS when offered) or smtps://… (TLS from the start). */
  url: string;
  /** Sender, `Name <address>` or `address`. */
  from: string;
  /** Verify the server's certificate (false only for self-signed test servers). */
  tlsRejectUnauthorized: boolean;
  /** Parallel SMTP connections (default 5). */
  maxConnections?: number;
  /** Connection and greeting timeouts (default 15 s): nothing was handed over yet, a retry is safe. */
  timeoutMs?: number;
  /**
   * How long to wait for a reply once connected, above all for the "250" after the message's
   * final dot (default 10 minutes, RFC 5321 §4.5.3.2.6 "DATA Termination"). Giving up earlier is
   * the classic cause of duplicate mail: the server may have accepted the message while we stopped
   * listening, and our retry sends it again. The dispatcher renews its lease meanwhile, so a slow
   * server delays a message but never has it sent twice.
   */
  replyTimeoutMs?: number;
}

/** `<n.<hash>@<sender's domain>>`: stable for a key, unique across keys. */
export function messageIdFor(key: string, from: string): string {
  const domain = /@([^\s@>]+)>?\s*$/.exec(from)?.[1] ?? 'cyberduty.invalid';
  const hash = crypto.createHash('sha256').update(key).digest('hex').slice(0, 40);
  return `<n.${hash}@${domain}>`;
}

/** The URL without its password, for logs. */
export function describeSmtpUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}

interface SmtpError extends Error {
  code?: string;
  responseCode?: number;
  response?: string;
}

export function createSmtpSender(opts: SmtpOptions): ChannelSender & { verify(): Promise<true> } {
  const timeout = opts.timeoutMs ?? 15000;
  // Transport options in one object with the URL (the URL's own settings win); a second argument
  // to createTransport would be message defaults, not transport options.
  const transport = nodemailer.createTransport({
    url: opts.url,
    pool: true,
    maxConnections: opts.maxConnections ?? 5,
    maxMessages: 1000,
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: Math.max(timeout, opts.replyTimeoutMs ?? 10 * 60000),
    tls: { rejectUnauthorized: opts.tlsRejectUnauthorized },
  });

  return {
    channel: 'email',
    async send(m: OutboxMessage): Promise<SendResult> {
      const to = m.payload.to;
      if (!to) throw new DeliveryError('no recipient address in the message', true);
      try {
        const info = (await transport.sendMail({
          from: opts.from,
          to: { name: to.name, address: to.address },
          subject: m.subject,
          text: m.body,
          messageId: messageIdFor(m.key, opts.from),
          date: m.createdAt,
          headers: {
            'X-Cyberduty-Key': encodeURIComponent(m.key),
            'X-Cyberduty-Kind': m.kind,
            'Auto-Submitted': 'auto-generated',
            'X-Auto-Response-Suppress': 'All',
          },
        })) as { response?: string; rejected?: unknown[] };
        if (info.rejected && info.rejected.length > 0) throw new DeliveryError(`recipient refused: ${info.response ?? ''}`, true);
        return { detail: info.response };
      } catch (err) {
        if (err instanceof DeliveryError) throw err;
        const e = err as SmtpError;
        // 5xx: the server refuses this message for good (unknown mailbox, policy); 4xx and
        // connection errors are temporary.
        const permanent = typeof e.responseCode === 'number' && e.responseCode >= 500;
        throw new DeliveryError(`${e.code ?? 'SMTP'}${e.responseCode ? ` ${e.responseCode}` : ''}: ${e.response ?? e.message}`, permanent);
      }
    },
    verify: () => transport.verify(),
    close() {
      transport.close();
    },
  };
}
