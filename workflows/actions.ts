/**
 * How a workflow takes a person's action, the same way in every workflow: an update whose validator
 * checks the access table's grant and the domain's rule on the workflow's own state (so a refusal
 * fails at once with the rule's message and never enters history), and whose handler applies the
 * domain's transition, records it through activities, and answers with the state — grant → check →
 * apply → record. Temporal's safe-message-handlers sample keeps its workflow short the same way, by
 * delegating each handler's work.
 */
import { setHandler } from '@temporalio/workflow';
import type { UpdateDefinition } from '@temporalio/common';
import { requireGrant, type Action, type Roles } from '../domain/access';
import { validate } from './common';

export interface ActionSteps<S, A, R> {
  /**
   * What the access table must grant the actor in the subject's unit. Left out only where the
   * domain's check decides who may act itself (an escalation's leader is whoever the level asked).
   */
  grant?: Action;
  /** The domain's rule on the state as it is: throws a RuleViolation (domain/rules.ts) to refuse. */
  check(a: A): void;
  /**
   * The domain's transition, synchronous: it changes the state before anything is recorded, and
   * returns what `record` needs of it (the new round, the request decided…).
   */
  apply(a: A): R;
  /**
   * The activities that record the step and act on it (messages, escalation, a child workflow), one
   * after another; resolves with the state, which is the update's answer.
   */
  record(a: A, applied: R): Promise<S>;
}

/**
 * The action registrar for one workflow's state: `action(update, steps)` registers the update's
 * validator and handler.
 *
 * The handler is `record`'s own promise, not an async function awaiting it: an extra await would
 * move the update's answer one microtask later, and where two of the workflow's coroutines resume in
 * one activation that can change the order of its commands — a history change for workflows written
 * before this helper, whose handlers were written inline.
 */
export function actionsOn<S extends { unitId: string }>(state: S) {
  return function action<A extends { actor: { id: string; roles?: Roles } }, R>(update: UpdateDefinition<S, [A]>, steps: ActionSteps<S, A, R>): void {
    setHandler(update, (a: A) => steps.record(a, steps.apply(a)), {
      validator: (a: A) =>
        validate(() => {
          if (steps.grant) requireGrant(a.actor, steps.grant, state.unitId);
          steps.check(a);
        }),
    });
  };
}
