/**
 * Work-chat custom robots by webhook, with Node's fetch: WeCom (企业微信群机器人), DingTalk (钉钉自定义
 * 机器人, with its optional signed requests) and Feishu (飞书自定义机器人, with its optional signature).
 * All three answer HTTP 200 with an error code in the body when they refuse a message: that is a
 * failure too. None of them takes an idempotency key, so each request carries ours in a header
 * (`X-Cyberduty-Key`, which they ignore) for receivers and proxies that can use it.
 */
import crypto from 'node:crypto';
import type { OutboxMessage } from '../outbox';
import type { RobotChannel } from '../preferences';
import type { Robot } from '../robots';
import { DeliveryError, type ChannelSender, type SendResult } from './types';

/** DingTalk: sign = base64(HMAC-SHA256(key = secret, message = `${timestamp}\n${secret}`)), timestamp in ms. */
export function dingtalkSign(secret: string, timestampMs: number): string {
  return crypto.createHmac('sha256', secret).update(`${timestampMs}\n${secret}`, 'utf8').digest('base64');
}

/** Feishu: sign = base64(HMAC-SHA256(key = `${timestamp}\n${secret}`, message = '')), timestamp in s. */
export function feishuSign(secret: string, timestampS: number): string {
  return crypto.createHmac('sha256', `${timestampS}\n${secret}`).update('').digest('base64');
}

/**
 * `subject\nbody` within `maxBytes` of UTF-8: when too long, the middle of the body is cut (with
 * "…"), never the subject, the link line or what follows it.
 */
export function fitText(m: Pick<OutboxMessage, 'subject' | 'body' | 'link'>, maxBytes: number): string {
  const full = `${m.subject}\n${m.body}`;
  if (Buffer.byteLength(full) <= maxBytes) return full;
  const lines = m.body.split('\n');
  const at = m.link ? lines.findIndex((l) => l.includes(m.link!)) : -1;
  const tail = at >= 0 ? `\n${lines.slice(at).join('\n')}` : '';
  let middle = at >= 0 ? lines.slice(0, at).join('\n') : m.body;
  const room = maxBytes - Buffer.byteLength(`${m.subject}\n…${tail}`);
  while (middle.length > 0 && Buffer.byteLength(middle) > room) middle = middle.slice(0, Math.max(0, Math.floor(middle.length * 0.9) - 1));
  return `${m.subject}\n${middle}…${tail}`;
}

interface RobotSpec {
  channel: RobotChannel;
  maxBytes: number;
  request(m: OutboxMessage, robot: Robot, text: string, now: number): { url: string; body: unknown };
  /** The error in a 2xx answer, or null when accepted. */
  refusal(json: Record<string, unknown>): { code: number; message: string } | null;
  /** Codes that retrying cannot fix (bad token, signature, keyword, format); any other code is retried. */
  permanentCodes: number[];
}

const phones = (m: OutboxMessage) => (m.payload.mentions ?? []).map((x) => x.phone).filter((p): p is string => !!p);

const say = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : JSON.stringify(v));

const errcode = (j: Record<string, unknown>) =>
  typeof j.errcode === 'number' && j.errcode !== 0 ? { code: j.errcode, message: say(j.errmsg) } : null;

export const ROBOT_SPECS: Record<RobotChannel, RobotSpec> = {
  // https://developer.work.weixin.qq.com/document/path/91770 — text (≤ 2048 bytes) with @-mentions by mobile.
  wecom: {
    channel: 'wecom',
    maxBytes: 2048,
    request: (m, robot, text) => ({
      url: robot.webhookUrl,
      body: { msgtype: 'text', text: { content: text, mentioned_mobile_list: phones(m) } },
    }),
    refusal: errcode,
    permanentCodes: [93000, 40008, 44004], // invalid webhook URL, message type, empty content
  },
  // https://open.dingtalk.com/document/robots/custom-robot-access — text with at.atMobiles (the
  // content must name the mobiles); with a secret, timestamp and sign in the query.
  dingtalk: {
    channel: 'dingtalk',
    maxBytes: 18000,
    request: (m, robot, text, now) => {
      const url = new URL(robot.webhookUrl);
      if (robot.secret) {
        url.searchParams.set('timestamp', String(now));
        url.searchParams.set('sign', dingtalkSign(robot.secret, now));
      }
      const at = phones(m);
      return {
        url: url.toString(),
        body: {
          msgtype: 'text',
          text: { content: at.length ? `${text}\n${at.map((p) => `@${p}`).join(' ')}` : text },
          at: { atMobiles: at, isAtAll: false },
        },
      };
    },
    refusal: errcode,
    permanentCodes: [300001, 310000], // token does not exist; sign, keyword or IP check failed
  },
  // https://open.feishu.cn/document/client-docs/bot-v3/add-custom-bot — text; with a secret,
  // timestamp (seconds) and sign in the body.
  feishu: {
    channel: 'feishu',
    maxBytes: 18000,
    request: (_m, robot, text, now) => {
      const ts = Math.floor(now / 1000);
      return {
        url: robot.webhookUrl,
        body: {
          ...(robot.secret ? { timestamp: String(ts), sign: feishuSign(robot.secret, ts) } : {}),
          msg_type: 'text',
          content: { text },
        },
      };
    },
    refusal: (j) => {
      const code = typeof j.code === 'number' ? j.code : typeof j.StatusCode === 'number' ? j.StatusCode : 0;
      return code !== 0 ? { code, message: say(j.msg ?? j.StatusMessage) } : null;
    },
    permanentCodes: [9499, 19001, 19021, 19022, 19024], // bad request, token, sign, IP, keyword
  },
};

export function createRobotSender(channel: RobotChannel, opts: { timeoutMs?: number } = {}): ChannelSender {
  const spec = ROBOT_SPECS[channel];
  const timeoutMs = opts.timeoutMs ?? 15000;
  return {
    channel,
    async send(m: OutboxMessage, { robot }: { robot?: Robot }): Promise<SendResult> {
      if (!robot) throw new DeliveryError(`no ${channel} robot configured for ${m.recipient}`, true);
      const { url, body } = spec.request(m, robot, fitText(m, spec.maxBytes), Date.now());
      let res: Response;
      try {
        res = await fetch(url, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json; charset=utf-8', 'X-Cyberduty-Key': encodeURIComponent(m.key) },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (err) {
        const cause = (err as { cause?: { code?: string } }).cause?.code;
        throw new DeliveryError(`${channel}: ${cause ?? (err as Error).name}: ${(err as Error).message}`, false);
      }
      const text = await res.text().catch(() => '');
      if (!res.ok) {
        // 408, 429 and 5xx are temporary; any other 4xx means the request itself is wrong.
        const temporary = res.status === 408 || res.status === 429 || res.status >= 500;
        throw new DeliveryError(`${channel}: HTTP ${res.status} ${text.slice(0, 200)}`, !temporary);
      }
      let json: Record<string, unknown>;
      try {
        json = JSON.parse(text) as Record<string, unknown>;
      } catch {
        throw new DeliveryError(`${channel}: unexpected answer ${text.slice(0, 200)}`, false);
      }
      const refused = spec.refusal(json);
      if (refused) {
        throw new DeliveryError(`${channel}: error ${refused.code} ${refused.message}`, spec.permanentCodes.includes(refused.code));
      }
      return { detail: text.slice(0, 500) };
    },
  };
}
