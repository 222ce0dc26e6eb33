/**
 * A real HTTP receiver on loopback standing in for the work-chat platforms' robot webhooks. It
 * checks each request the way the platform documents it and answers as the platform does:
 *
 * - WeCom   POST /cgi-bin/webhook/send?key=K            {msgtype:"text", text:{content, mentioned_mobile_list?}}
 * - DingTalk POST /robot/send?access_token=T[&timestamp&sign]  {msgtype:"text", text:{content}, at:{atMobiles}}
 *   signed: timestamp (ms) within an hour, sign = base64(HMAC-SHA256(secret, `${timestamp}\n${secret}`))
 * - Feishu  POST /open-apis/bot/v2/hook/T               {msg_type:"text", content:{text}, timestamp?, sign?}
 *   signed: timestamp (s) within an hour, sign = base64(HMAC-SHA256(key `${timestamp}\n${secret}`, ""))
 *
 * The signatures are computed here independently of the code under test.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type Platform = 'wecom' | 'dingtalk' | 'feishu';

export interface RobotMessage {
  platform: Platform;
  token: string;
  text: string;
  mentions: string[];
  key: string | null;
  body: Record<string, unknown>;
  at: number;
}

export interface Rejection {
  platform: Platform;
  token: string;
  reason: string;
}

export interface WebhookReceiver {
  port: number;
  url(platform: Platform, token: string): string;
  /** Requires this platform/token to be signed with `secret`. */
  setSecret(token: string, secret: string): void;
  /** Accepted messages. */
  messages: RobotMessage[];
  /** Requests refused (bad format, bad signature, scripted failures). */
  rejections: Rejection[];
  /** Answers the next `n` requests with HTTP `status` (default 500), or 200 with an error body. */
  failNext(n: number, answer?: { status: number } | { errorBody: Record<string, unknown> }): void;
  close(): Promise<void>;
}

const OK: Record<Platform, Record<string, unknown>> = {
  wecom: { errcode: 0, errmsg: 'ok' },
  dingtalk: { errcode: 0, errmsg: 'ok' },
  feishu: { code: 0, msg: 'success', data: {} },
};

function withinHour(ms: number): boolean {
  return Number.isFinite(ms) && Math.abs(Date.now() - ms) < 3600000;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const secrets = new Map<string, string>();
  const messages: RobotMessage[] = [];
  const rejections: Rejection[] = [];
  let failures: { n: number; answer: { status: number } | { errorBody: Record<string, unknown> } } = { n: 0, answer: { status: 500 } };

  function check(platform: Platform, url: URL, body: Record<string, unknown>): { token: string; text: string; mentions: string[] } | { token: string; error: Record<string, unknown> } {
    if (platform === 'wecom') {
      const token = url.searchParams.get('key') ?? '';
      const t = body.text as { content?: unknown; mentioned_mobile_list?: unknown } | undefined;
      if (body.msgtype !== 'text' || typeof t?.content !== 'string' || t.content.length === 0) {
        return { token, error: { errcode: 40008, errmsg: 'invalid message type' } };
      }
      if (Buffer.byteLength(t.content) > 2048) return { token, error: { errcode: 40058, errmsg: 'content exceed max length' } };
      const mentions = Array.isArray(t.mentioned_mobile_list) ? (t.mentioned_mobile_list as string[]) : [];
      return { token, text: t.content, mentions };
    }
    if (platform === 'dingtalk') {
      const token = url.searchParams.get('access_token') ?? '';
      const secret = secrets.get(token);
      if (secret) {
        const ts = url.searchParams.get('timestamp') ?? '';
        const sign = url.searchParams.get('sign') ?? '';
        const expected = crypto.createHmac('sha256', secret).update(`${ts}\n${secret}`).digest('base64');
        if (!withinHour(Number(ts)) || sign !== expected) return { token, error: { errcode: 310000, errmsg: 'sign not match' } };
      }
      const t = body.text as { content?: unknown } | undefined;
      if (body.msgtype !== 'text' || typeof t?.content !== 'string' || t.content.length === 0) {
        return { token, error: { errcode: 400102, errmsg: 'param error' } };
      }
      const at = body.at as { atMobiles?: unknown } | undefined;
      const mentions = Array.isArray(at?.atMobiles) ? (at.atMobiles as string[]) : [];
      // DingTalk highlights an @ only when the content names the mobile.
      if (mentions.some((m) => !(t.content as string).includes(`@${m}`))) return { token, error: { errcode: 400102, errmsg: 'at not in content' } };
      return { token, text: t.content, mentions };
    }
    const token = url.pathname.split('/').pop() ?? '';
    const secret = secrets.get(token);
    if (secret) {
      const ts = typeof body.timestamp === 'string' ? body.timestamp : '';
      const expected = crypto.createHmac('sha256', `${ts}\n${secret}`).update('').digest('base64');
      if (!withinHour(Number(ts) * 1000) || body.sign !== expected) {
        return { token, error: { code: 19021, msg: 'sign match fail or timestamp is not within one hour from current time' } };
      }
    }
    const c = body.content as { text?: unknown } | undefined;
    if (body.msg_type !== 'text' || typeof c?.text !== 'string' || c.text.length === 0) return { token, error: { code: 9499, msg: 'Bad Request' } };
    return { token, text: c.text, mentions: [] };
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const platform: Platform | null = url.pathname === '/cgi-bin/webhook/send' ? 'wecom' : url.pathname === '/robot/send' ? 'dingtalk' : url.pathname.startsWith('/open-apis/bot/v2/hook/') ? 'feishu' : null;
      const reply = (status: number, body: Record<string, unknown>) => {
        res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify(body));
      };
      if (!platform || req.method !== 'POST') return reply(404, { error: 'not found' });
      if (!/^application\/json/.test(req.headers['content-type'] ?? '')) return reply(400, { error: 'content type' });
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      } catch {
        return reply(400, { error: 'bad json' });
      }
      if (failures.n > 0) {
        failures.n--;
        rejections.push({ platform, token: '', reason: 'scripted failure' });
        const a = failures.answer;
        return 'status' in a ? reply(a.status, { error: 'scripted' }) : reply(200, a.errorBody);
      }
      const r = check(platform, url, body);
      if ('error' in r) {
        rejections.push({ platform, token: r.token, reason: JSON.stringify(r.error) });
        return reply(200, r.error);
      }
      const key = req.headers['x-cyberduty-key'];
      messages.push({ platform, token: r.token, text: r.text, mentions: r.mentions, key: typeof key === 'string' ? decodeURIComponent(key) : null, body, at: Date.now() });
      reply(200, OK[platform]);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  const base = `http://127.0.0.1:${port}`;
  return {
    port,
    url(platform, token) {
      if (platform === 'wecom') return `${base}/cgi-bin/webhook/send?key=${token}`;
      if (platform === 'dingtalk') return `${base}/robot/send?access_token=${token}`;
      return `${base}/open-apis/bot/v2/hook/${token}`;
    },
    setSecret(token, secret) {
      secrets.set(token, secret);
    },
    messages,
    rejections,
    failNext(n, answer = { status: 500 }) {
      failures = { n, answer };
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
