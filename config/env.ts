/**
 * All configuration comes from environment variables, validated here at start. A bad value stops
 * the process with one clear line naming the variable.
 */
import path from 'node:path';
import { z } from 'zod';

const port = z.coerce.number().int().min(1).max(65535);

export const envSchema = z.object({
  DATA_DIR: z.string().min(1).default('./data'),
  PORT: port.default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  PUBLIC_URL: z.url().optional(),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  TEMPORAL_ADDRESS: z.string().regex(/^[^:\s]+:\d+$/, 'must be host:port').default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('cyberduty'),
  TEMPORAL_UI_PORT: port.default(8233),
  TEMPORAL_CLI_PATH: z.string().min(1).optional(),
  ORG_FILE: z.string().min(1).optional(),
  POLICY_FILE: z.string().min(1).optional(),
  CALENDAR_FILE: z.string().min(1).optional(),
  /** Optional prefix of notice and proposal numbers, e.g. HEU → HEU-2026-0001. */
  ID_PREFIX: z.string().regex(/^[A-Z][A-Z0-9]{0,9}$/, 'must be 1–10 capital letters or digits, starting with a letter').optional(),
  /** How long an action waits for the workflow to accept and record it before answering 503. */
  UPDATE_TIMEOUT_MS: z.coerce.number().int().min(1000).max(600000).default(30000),
  TOKEN_TTL: z.string().regex(/^\d+[smhd]$/, 'must look like 30m, 8h or 7d').default('8h'),
  EVIDENCE_MAX_BYTES: z.coerce.number().int().min(1024).max(100 * 1024 * 1024).default(10 * 1024 * 1024),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Env = z.infer<typeof envSchema> & { PUBLIC_URL: string };

export class ConfigError extends Error {}

/** Parses the environment; throws ConfigError with one line per bad variable. */
export function parseEnv(source: NodeJS.ProcessEnv = process.env): Env {
  // Empty strings mean "not set".
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const r = envSchema.safeParse(cleaned);
  if (!r.success) {
    const lines = r.error.issues.map((i) => {
      const name = String(i.path[0] ?? '?');
      const value = source[name];
      return `Invalid configuration: ${name}${value !== undefined ? `=${JSON.stringify(value)}` : ''}: ${i.message}`;
    });
    throw new ConfigError(lines.join('\n'));
  }
  const env = r.data;
  return {
    ...env,
    DATA_DIR: path.resolve(env.DATA_DIR),
    PUBLIC_URL: env.PUBLIC_URL ?? `http://localhost:${env.PORT}`,
  };
}

/** For entry points: parse, or print the error line(s) and exit 1. */
export function loadEnvOrExit(): Env {
  try {
    return parseEnv();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
}
