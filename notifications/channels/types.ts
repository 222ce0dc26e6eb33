/** What a channel implements: send one outbox message, or say why it could not. */
import type { OutboxMessage } from '../outbox';
import type { Robot } from '../robots';
import type { DeliveryChannel } from '../preferences';

export interface SendResult {
  /** What the other side answered (SMTP response, robot's body), for the attempt log. */
  detail?: string;
}

/**
 * A failed send. `permanent`: retrying the same message cannot help (a refused address, a robot
 * whose token or signature is wrong, a malformed message) — it fails at once and the office sees it.
 * Anything else (server down, timeout, 5xx, rate limit) is retried with backoff.
 */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
  }
}

export interface ChannelSender {
  readonly channel: DeliveryChannel;
  /** `robot` is the robot configured now for a robot message. */
  send(m: OutboxMessage, ctx: { robot?: Robot }): Promise<SendResult>;
  close?(): Promise<void> | void;
}
