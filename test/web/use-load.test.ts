/**
 * The screens' shared loader (web/src/use.ts): only the latest load lands. A search answered
 * before the tab's first, slower list must not be overwritten by it (the outbox once showed rows
 * its filters exclude). Nor may a load asked before an action land after its answer.
 */
import { useLoad } from '../../web/src/use';

function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

test("a late answer or error of an earlier load is dropped; the latest load's error shows", async () => {
  const answers = [deferred<string>(), deferred<string>(), deferred<string>(), deferred<string>(), deferred<string>()];
  let call = 0;
  const l = useLoad(() => answers[call++].promise);
  const first = l.reload();
  const second = l.reload();
  answers[1].resolve('the search');
  await second;
  expect(l.data.value).toBe('the search');
  expect(l.loading.value).toBe(false);
  answers[0].resolve('the tab, unfiltered');
  await first;
  expect(l.data.value).toBe('the search');

  const third = l.reload();
  expect(l.loading.value).toBe(true);
  answers[2].reject(new Error('offline'));
  await third;
  expect(l.error.value).toBeInstanceOf(Error);
  expect(l.data.value).toBe('the search');

  const fourth = l.reload();
  const fifth = l.reload();
  answers[4].resolve('back online');
  await fifth;
  answers[3].reject(new Error('late'));
  await fourth;
  expect(l.error.value).toBeNull();
  expect(l.data.value).toBe('back online');
});

test("an action's answer set as the data retires the loads asked before it", async () => {
  const answers = [deferred<string>(), deferred<string>()];
  let call = 0;
  const l = useLoad(() => answers[call++].promise);
  const before = l.reload();
  // The action answers (the record after it) while a reload asked before it is still on its way.
  l.set('after the save');
  expect(l.data.value).toBe('after the save');
  expect(l.loading.value).toBe(false);
  answers[0].resolve('before the save');
  await before;
  expect(l.data.value).toBe('after the save');
  // A load asked after the action lands as usual.
  const next = l.reload();
  answers[1].resolve('reloaded');
  await next;
  expect(l.data.value).toBe('reloaded');
});
