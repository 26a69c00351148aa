// The English / 한국어 switch in the header. The first language comes from
// ?lang=, else the visitor's last choice, else the browser's language; each
// choice is remembered in localStorage.
import { LANGUAGES, lang, setLang, onLangChange } from './i18n.js';

const STORAGE_KEY = 'nunchi.lang';

function remembered() {
  try { return localStorage.getItem(STORAGE_KEY); } catch { return null; } // storage can be blocked
}

function firstLanguage() {
  const asked = new URLSearchParams(location.search).get('lang');
  if (asked in LANGUAGES) return asked;
  const last = remembered();
  if (last in LANGUAGES) return last;
  return navigator.language?.toLowerCase().startsWith('ko') ? 'ko' : 'en';
}

function remember(next) {
  try { localStorage.setItem(STORAGE_KEY, next); } catch { /* the choice lasts for this visit */ }
  // A ?lang= in the address would win over the choice on reload: keep it in step.
  const url = new URL(location.href);
  if (url.searchParams.has('lang')) {
    url.searchParams.set('lang', next);
    history.replaceState(history.state, '', url);
  }
}

/** Sets the first language (before the views are built) and wires the header's buttons. */
export function initLanguage() {
  const buttons = [...document.querySelectorAll('.lang-switch [data-lang]')];
  const show = () => { for (const b of buttons) b.setAttribute('aria-pressed', String(b.dataset.lang === lang())); };
  onLangChange((next) => { remember(next); show(); });
  setLang(firstLanguage());
  show();
  for (const b of buttons) b.addEventListener('click', () => setLang(b.dataset.lang));
}
