/**
 * One way to register a human action on a workflow, as Temporal's safe-message-handlers sample
 * keeps its workflow function short: grant → check → apply → record. The validator asks the
 * access table for the grant (with the roles the API passed) and the domain's rule for the check,
 * so a refused action fails at once and never enters history; the handler applies the transition,
 * records it (inside `apply`) and answers with the state the caller reads back.
 */
import { setHandler } from '@temporalio/workflow';
import type { UpdateDefinition } from '@temporalio/common';
import { requireGrant, type Action } from '../domain/access';
import type { Actor } from '../domain/rules';
import { validate } from './common';

export interface HumanAction<A extends { actor: Actor }> {
  /** The action of the access table the actor needs on the unit; none when `check` decides who may act. */
  grant?: Action;
  /** The domain's rule: throws a RuleViolation when the action is not allowed now. */
  check: (args: A) => void;
  /** The transition, its record and its messages. */
  apply: (args: A) => Promise<void>;
}

/** Registers `update` with its validator; the update answers with `state()` once `apply` is done. */
export function onAction<S, A extends { actor: Actor }>(
  update: UpdateDefinition<S, [A]>,
  scope: { state: () => S; unitId: () => string },
  action: HumanAction<A>,
): void {
  setHandler(
    update,
    async (args: A) => {
      await action.apply(args);
      return scope.state();
    },
    {
      validator: (args: A) =>
        validate(() => {
          if (action.grant) requireGrant(args.actor, action.grant, scope.unitId());
          action.check(args);
        }),
    },
  );
}
