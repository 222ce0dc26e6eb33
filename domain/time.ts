/**
 * Formatting instants for people in China (Asia/Shanghai is UTC+8 all year, no DST). Pure and
 * dependency-free so that workflows may use it too.
 */
export const CHINA_OFFSET_MS = 8 * 3600 * 1000;

/**
 * "2026-11-26 17:30" in Beijing time. Midnight is written as 24:00 of the day before, as official
 * notices do ("11月30日24时"), so an end-of-day deadline reads as the day it ends.
 */
export function formatBeijing(iso: string | number | Date): string {
  const t = new Date(typeof iso === 'string' ? Date.parse(iso) : iso).getTime() + CHINA_OFFSET_MS;
  const local = new Date(t).toISOString();
  if (local.slice(11, 16) === '00:00') return `${new Date(t - 86400000).toISOString().slice(0, 10)} 24:00`;
  return local.slice(0, 16).replace('T', ' ');
}

export function formatBeijingZh(iso: string | number | Date): string {
  return `${formatBeijing(iso)}（北京时间）`;
}

export function formatBeijingEn(iso: string | number | Date): string {
  return `${formatBeijing(iso)} (Beijing time, UTC+8)`;
}
