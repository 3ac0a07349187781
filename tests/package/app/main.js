// A tiny bundled app, built by bundlers.test.mjs with Vite and with esbuild: it imports the
// package as an npm user would and starts the widget from where dist/ is hosted (`/consent/`).
import { load } from '@canenrich/consent';

const status = document.getElementById('status');

load({
  base: '/consent/',
  lang: 'en',
  config: { revision: 3, categories: { analytics: { cookies: ['app_stats'] } } },
}).then(
  (consent) => {
    // A tag the app adds after the widget started: held like the one in the page.
    const late = document.createElement('script');
    late.src = '/trackers/late.js';
    late.setAttribute('data-category', 'analytics');
    document.body.append(late);
    status.textContent = `widget started, revision ${consent.getConsent()?.revision ?? 'none yet'}`;
    window.appStarted = true;
  },
  (error) => {
    status.textContent = `widget failed: ${error.message}`;
  },
);
