/**
 * Workflow interceptors (bundled with the workflows; worker/worker.ts and the tests' bundle name
 * this module). One guard for every update with a validator (issue 11): text in its arguments that
 * the database could never store — NUL, an unpaired surrogate, a control character other than tab
 * and line breaks (domain/text.ts) — is refused before the update is accepted, so an update sent
 * around the API cannot put such text into a workflow's state, where every later record would fail.
 * Validators issue no commands, so this changes no history.
 */
import { ApplicationFailure, type UpdateInput, type WorkflowInterceptorsFactory } from '@temporalio/workflow';
import { textProblem } from '../domain/text';

/** The first string in `v` (keys included) a free text may not contain, with where it is. */
function firstBadText(v: unknown, path: string, depth = 0): { path: string; zh: string; en: string } | null {
  if (depth > 20) return null;
  if (typeof v === 'string') {
    const p = textProblem(v, 'multiline');
    return p ? { path, zh: p.zh, en: p.en } : null;
  }
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const bad = firstBadText(v[i], `${path}[${i}]`, depth + 1);
      if (bad) return bad;
    }
    return null;
  }
  if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      const bad = firstBadText(k, `${path}{key}`, depth + 1) ?? firstBadText(x, path ? `${path}.${k}` : k, depth + 1);
      if (bad) return bad;
    }
  }
  return null;
}

export const interceptors: WorkflowInterceptorsFactory = () => ({
  inbound: [
    {
      validateUpdate(input: UpdateInput, next: (input: UpdateInput) => void): void {
        const bad = firstBadText(input.args, '');
        if (bad) {
          throw ApplicationFailure.create({
            type: 'invalid_input',
            message: `${bad.path}: ${bad.en}`,
            nonRetryable: true,
            details: [{ zh: `${bad.path}：${bad.zh}`, en: `${bad.path}: ${bad.en}` }],
          });
        }
        next(input);
      },
    },
  ],
});
