// The demo's entry: the language switch, the Models panel, two tool tabs.
import { initLanguage } from './language.js';
import { initModels } from './models.js';
import { initClassifier } from './classifier.js';
import { initExplorer } from './explorer.js';
import { initOffline } from './offline.js';

initLanguage(); // first: the views are built in the chosen language
initModels();
initClassifier();
initExplorer();
initOffline();

// Tabs: click or arrow keys (WAI-ARIA tabs pattern).
const tabs = [...document.querySelectorAll('[role="tab"]')];
function select(tab) {
  for (const t of tabs) {
    const on = t === tab;
    t.setAttribute('aria-selected', String(on));
    t.tabIndex = on ? 0 : -1;
    document.getElementById(t.getAttribute('aria-controls')).hidden = !on;
  }
}
for (const [i, tab] of tabs.entries()) {
  tab.addEventListener('click', () => select(tab));
  tab.addEventListener('keydown', (e) => {
    const d = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
    if (!d) return;
    const next = tabs[(i + d + tabs.length) % tabs.length];
    select(next);
    next.focus();
  });
}
document.body.dataset.ready = 'true';
