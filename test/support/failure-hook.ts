/**
 * The one name between the Jest environment that sees a test fail (environment.ts) and the helpers
 * that report on it (browser.ts): a function on the test's global, called while its resources are open.
 */
export type FailureReport = (testName: string) => Promise<void>;

export interface FailureHookGlobal {
  __onTestFailure?: FailureReport;
}
