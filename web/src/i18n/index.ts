// vue-i18n: Chinese first (zh-CN, the default), English one click away and remembered in this
// browser. The regulation's own terms come from the glossary (labels.ts), not from here. Messages
// are compiled without eval (vue-i18n's JIT compiler), so they run under the CSP.
import { createI18n } from 'vue-i18n';
import zh from './zh-CN';
import en from './en';

const KEY = 'cyberduty.lang';
export type Lang = 'zh-CN' | 'en';

function initial(): Lang {
  try {
    return localStorage.getItem(KEY) === 'en' ? 'en' : 'zh-CN';
  } catch {
    return 'zh-CN';
  }
}

export const i18n = createI18n({
  legacy: false,
  locale: initial(),
  fallbackLocale: 'zh-CN',
  messages: { 'zh-CN': zh, en },
});

export function setLang(lang: Lang): void {
  i18n.global.locale.value = lang;
  document.documentElement.lang = lang;
  try {
    localStorage.setItem(KEY, lang);
  } catch {
    // private mode: not remembered
  }
}

document.documentElement.lang = initial();
