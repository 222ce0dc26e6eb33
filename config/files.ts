/**
 * Reading configuration files (the I/O half of domain/policy.ts and domain/calendar.ts).
 * JSON or YAML by extension; every error names the file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { extname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import {
  DEFAULT_CALENDAR_OVERRIDES_PATH,
  EMPTY_CALENDAR_OVERRIDES,
  parseCalendarOverrides,
  type CalendarOverrides,
} from '../domain/calendar';
import { DEFAULT_POLICY_YAML_PATH, validatePolicy, type Policy } from '../domain/policy';

export class ConfigFileError extends Error {
  constructor(
    message: string,
    readonly file: string,
  ) {
    super(message);
    this.name = 'ConfigFileError';
  }
}

/**
 * A file shipped with the project (path relative to the project root). Looked up from this
 * module's folder (run from source, or compiled into dist/config), then from the working directory.
 */
export function projectFile(relativePath: string): string {
  const candidates = [
    resolve(__dirname, '..', relativePath),
    resolve(__dirname, '..', '..', relativePath),
    resolve(process.cwd(), relativePath),
  ];
  return candidates.find((p) => existsSync(p)) ?? candidates[0];
}

/** Parse a .json, .yaml or .yml file. An empty YAML file gives null. */
export function readStructuredFile(path: string): unknown {
  const ext = extname(path).toLowerCase();
  if (ext !== '.json' && ext !== '.yaml' && ext !== '.yml') {
    throw new ConfigFileError(
      `不支持的配置文件类型“${ext || '（无扩展名）'}”：${path}（应为 .json、.yaml 或 .yml）` +
        ` / Unsupported configuration file type "${ext || '(none)'}": ${path} (expected .json, .yaml or .yml)`,
      path,
    );
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw new ConfigFileError(`无法读取配置文件 ${path} / Cannot read configuration file ${path}: ${reason}`, path);
  }
  try {
    return ext === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw new ConfigFileError(
      `配置文件 ${path} 不是有效的${ext === '.json' ? 'JSON' : 'YAML'} / Cannot parse ${path} as ${ext === '.json' ? 'JSON' : 'YAML'}: ${reason}`,
      path,
    );
  }
}

function resolveGiven(path: string): string {
  return isAbsolute(path) ? path : resolve(process.cwd(), path);
}

/** The policy from `path` (relative to the working directory), or the default policy file. */
export function loadPolicy(path?: string): Policy {
  const file = path ? resolveGiven(path) : projectFile(DEFAULT_POLICY_YAML_PATH);
  return validatePolicy(readStructuredFile(file), file);
}

/**
 * The calendar override table from `path`, or the default file. A missing default file means no
 * overrides; a missing file that was asked for by name is an error.
 */
export function loadCalendarOverrides(path?: string): CalendarOverrides {
  if (!path) {
    const file = projectFile(DEFAULT_CALENDAR_OVERRIDES_PATH);
    if (!existsSync(file)) return EMPTY_CALENDAR_OVERRIDES;
    return parseCalendarOverrides(readStructuredFile(file), file);
  }
  const file = resolveGiven(path);
  return parseCalendarOverrides(readStructuredFile(file), file);
}
