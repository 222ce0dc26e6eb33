/**
 * The SMTP sink of the benchmark in a process of its own (as a mail server would be): it reports
 * each accepted message's idempotency key (or Message-ID) and receive time to the parent over IPC,
 * in batches.
 */
import { startSmtpSink } from '../test/support/smtp-sink';

async function main(): Promise<void> {
  const sink = await startSmtpSink({ parse: false });
  let sent = 0;
  const flush = () => {
    const batch = sink.transactions.slice(sent);
    if (batch.length === 0) return;
    sent += batch.length;
    process.send?.({ type: 'received', items: batch.map((t) => ({ key: t.key ?? t.messageId, at: t.at })) });
  };
  setInterval(flush, 50);
  process.send?.({ type: 'ready', url: sink.url });
  process.on('message', (m: { type: string }) => {
    if (m.type === 'flush') {
      flush();
      process.send?.({ type: 'flushed' });
    }
  });
  process.on('disconnect', () => process.exit(0));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
