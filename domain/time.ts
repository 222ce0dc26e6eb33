/**
 * Formatting instants for people in China (Asia/Shanghai is UTC+8 all year, no DST). Pure and
 * dependency-free so that workflows may use it too.
 */
export const CHINA_OFFSET_MS = 8 * 3600 * 1000;

/** "2026-11-26 17:30" in Beijing time. */
export function formatBeijing(iso: string | number | Date): string {
  const t = new Date(typeof iso === 'string' ? Date.parse(iso) : iso).getTime() + CHINA_OFFSET_MS;
  return new Date(t).toISOString().slice(0, 16).replace('T', ' ');
}

export function formatBeijingZh(iso: string | number | Date): string {
  return `${formatBeijing(iso)}（北京时间）`;
}

export function formatBeijingEn(iso: string | number | Date): string {
  return `${formatBeijing(iso)} (Beijing time, UTC+8)`;
}
