/**
 * Refuses text that cannot be stored or shown faithfully: NUL, lone UTF-16 surrogates and control
 * characters other than tab and line breaks. Interim: the shared text-validation helper of branch
 * `badinput` replaces this one function once it is in main (the incident and register schemas call
 * only `textProblem`). Pure.
 */

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why the text is refused (Chinese / English), or null when it is fine. */
export function textProblem(value: string): string | null {
  if (value.includes('\u0000')) return '文本含有空字符 / The text contains a NUL character';
  if (LONE_SURROGATE.test(value)) return '文本含有无效的 Unicode 字符 / The text contains an invalid Unicode character';
  if (CONTROL.test(value)) return '文本含有控制字符 / The text contains a control character';
  return null;
}
