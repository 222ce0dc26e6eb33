/**
 * Who acts and what refuses them: the words every capability's rules share. A rule that refuses an
 * action throws a RuleViolation (Chinese first, then English); the API maps its code to an HTTP
 * status and the workflows' validators reject the update with it.
 */
import type { Role } from './glossary';

/** Who acts, and in which capacity. The API decides the capacity from the organisation. */
export interface Actor {
  id: string;
  name: string;
  capacity: 'office' | 'unit' | 'leader' | 'system';
  /** The person's roles when they acted (from the organisation, via the API); none for the system. */
  roles?: { university: Role[]; units: Array<{ unitId: string; role: Role }> };
}

export const SYSTEM_ACTOR: Actor = { id: 'system', name: '系统 / System', capacity: 'system' };

/** A refused action: `code` maps to an HTTP status, the message is Chinese first, then English. */
export class RuleViolation extends Error {
  constructor(
    readonly code: 'invalid_state' | 'forbidden' | 'invalid_input' | 'not_found',
    readonly zh: string,
    readonly en: string,
  ) {
    super(`${zh} / ${en}`);
    this.name = 'RuleViolation';
  }
}
