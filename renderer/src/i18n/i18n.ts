import i18next, { type i18n as I18n } from 'i18next';
import { initReactI18next } from 'react-i18next';
import type { ErrorCode } from '../../../shared/errors';
import type { Language } from '../../../shared/ipc/channels/settings.channels';
import type { Catalogue } from './catalogue';
import { en } from './en';
import { zhCN } from './zh-CN';

// Compile-time completeness: zh-CN is typed as `Catalogue`, and every error code needs a message.
const errorMessages: Record<ErrorCode, string> = en.errors;
void errorMessages;

export const catalogues: Record<Language, Catalogue> = { en, 'zh-CN': zhCN };

/**
 * One i18next instance for the app. No fallback language: a missing translation must show up as a
 * bug in the zh-CN walk-through test, never silently as English.
 */
export const i18n: I18n = i18next.createInstance();

export async function initI18n(language: Language): Promise<void> {
  await i18n.use(initReactI18next).init({
    resources: {
      en: { translation: catalogues.en },
      'zh-CN': { translation: catalogues['zh-CN'] },
    },
    lng: language,
    fallbackLng: false,
    // React escapes text already; user text is never parsed as HTML.
    interpolation: { escapeValue: false },
    returnNull: false,
  });
  document.documentElement.lang = language;
}

export async function setLanguage(language: Language): Promise<void> {
  if (i18n.language !== language) await i18n.changeLanguage(language);
  document.documentElement.lang = language;
}
