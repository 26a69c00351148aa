// Offline use after the first visit: registers the service worker that
// vite-plugin-pwa (Workbox) builds, and says in the header when the page's own
// files are stored. Models come from the nunchi package's Cache Storage, once
// they have been loaded here.
import { registerSW } from 'virtual:pwa-register';

export function initOffline() {
  if (!('serviceWorker' in navigator)) return; // e.g. a private window in some browsers
  const note = document.getElementById('offline-status');
  const ready = () => { note.hidden = false; document.body.dataset.offline = 'ready'; };
  // A worker already in charge means a visit before this one stored the files.
  if (navigator.serviceWorker.controller) ready();
  registerSW({
    immediate: true,
    onOfflineReady: ready,
    onRegisterError: (e) => console.warn('nunchi demo: offline use is off:', e),
  });
}
