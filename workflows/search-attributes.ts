/**
 * Search attributes operators filter on in the Temporal Web UI. They must be registered on the
 * namespace: `npm start` registers them on its dev server, `npm run temporal:setup` on a cluster.
 */
import { defineSearchAttributeKey } from '@temporalio/common';

export const SA_UNIT = defineSearchAttributeKey('CydUnit', 'KEYWORD');
export const SA_STATUS = defineSearchAttributeKey('CydStatus', 'KEYWORD');
export const SA_SEVERITY = defineSearchAttributeKey('CydSeverity', 'KEYWORD');
export const SA_OVERDUE = defineSearchAttributeKey('CydOverdue', 'KEYWORD');
export const SA_ESCALATION_LEVEL = defineSearchAttributeKey('CydEscalationLevel', 'INT');

export const SEARCH_ATTRIBUTES = [SA_UNIT, SA_STATUS, SA_SEVERITY, SA_OVERDUE, SA_ESCALATION_LEVEL];

/** `--search-attribute` flags for `temporal server start-dev`. */
export function devServerSearchAttributeArgs(): string[] {
  const cliType = { KEYWORD: 'Keyword', INT: 'Int' } as const;
  return SEARCH_ATTRIBUTES.flatMap((k) => ['--search-attribute', `${k.name}=${cliType[k.type]}`]);
}
