/**
 * Jest's Node environment, telling the test's own code when a test or hook fails, while its
 * resources are still open: the browser helpers register `__onTestFailure` to report what each
 * open page did last and what it shows (test/support/browser.ts).
 */
import type { Circus } from '@jest/types';
import { TestEnvironment } from 'jest-environment-node';
import type { FailureHookGlobal } from './failure-hook';

export default class ReportingEnvironment extends TestEnvironment {
  async handleTestEvent(event: Circus.Event): Promise<void> {
    if (event.name !== 'test_fn_failure' && event.name !== 'hook_failure') return;
    const report = (this.global as FailureHookGlobal).__onTestFailure;
    if (typeof report !== 'function') return;
    const name = event.name === 'test_fn_failure' ? event.test.name : `${event.hook.type} hook`;
    try {
      await report(name);
    } catch (err) {
      console.error(`failure report could not be made: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}
