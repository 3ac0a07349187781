// The four candidates of `cargo xtask bench`: our widget and three anchors from npm. Each gets the
// same article page with the same two gated trackers, written in the candidate's own gating syntax,
// configured with an analytics and a marketing category and a banner shown on the first visit.

import path from 'node:path';

/** The article every candidate's page shows (identical text and styles for all). */
const ARTICLE = `
<header class="site"><a href="/">Example News</a></header>
<main>
<article>
  <h1>How neighbourhood gardens changed a city</h1>
  <p class="meta">By A. Writer · 8 minute read</p>
  <p>When the first community garden opened on a vacant lot behind the station, few residents expected
  it to last a season. Ten years later the city counts more than forty of them, and the waiting list
  for a plot is longer than the list for a parking permit.</p>
  <p>The gardens began as a stop-gap. Lots that had been fenced off for years were lent to volunteers
  on one-year agreements, with water from a single hydrant and tools kept in a borrowed shipping
  container. The agreements were renewed, then renewed again, and the city eventually wrote them into
  its planning rules.</p>
  <h2>Who gardens, and why</h2>
  <p>Surveys of plot holders show a wider mix of ages and backgrounds than any other volunteer group
  in the city. Retired teachers work next to students; families who arrived last year share seed
  with families who have lived on the same street for three generations. Most say they came for the
  vegetables and stayed for the company.</p>
  <p>Researchers at the university measured temperatures on summer afternoons and found the gardens
  up to three degrees cooler than the car parks around them. Rain that once ran off into overloaded
  drains now soaks into raised beds, and the city's drainage engineers have started to ask for
  gardens on the lots they are most worried about.</p>
  <h2>What comes next</h2>
  <p>The council is now deciding whether to make the agreements permanent. Supporters want the
  certainty of a long lease before they plant fruit trees that take years to bear; some developers
  want the lots back. Whatever the vote, the gardens have already changed what residents expect a
  vacant lot to be.</p>
  <p>Plot holders meet on the first Saturday of every month to swap seedlings, fix the shared tools
  and plan the harvest festival, which last year fed more than six hundred people from a single
  afternoon's picking.</p>
</article>
</main>
<footer class="site">© Example News · <a href="/privacy">Privacy</a></footer>`;

const PAGE_STYLE = `
body { margin: 0; font: 18px/1.6 Georgia, serif; color: #222; background: #fff; }
header.site, footer.site { padding: 12px 24px; background: #f3f3f3; font-family: sans-serif; }
main { max-width: 680px; margin: 0 auto; padding: 0 24px 120px; }
h1 { font-size: 2.1em; line-height: 1.2; }
.meta { color: #666; font-family: sans-serif; font-size: 0.85em; }`;

const BANNER_TEXT =
  'We use cookies to measure how this site is used and, with your consent, for marketing.';

/** An article page for one candidate: `head` goes into `<head>`, `body` after the article. */
function page({ title, head, body }) {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${head}
<title>${title} — bench article</title>
<style>${PAGE_STYLE}</style>
</head>
<body>
${ARTICLE}
${body}
</body>
</html>
`;
}

/** The two gated trackers in the `data-category` syntax (ours and vanilla-cookieconsent). */
const CATEGORY_GATED = `
<script type="text/plain" data-category="analytics" src="/trackers/a.js"></script>
<script type="text/plain" data-category="marketing" src="/trackers/m.js"></script>`;

/**
 * The candidates, in the order they run in every round.
 * - `files`: URL path → file on disk, the widget's own files (what bytes are measured from);
 *   `dir` serves a whole folder under a prefix instead.
 * - `banner`: an expression evaluated in the page that yields the banner element (or null).
 * - `accept`: a Playwright selector for the first layer's "accept all" button.
 * - `note`: how the candidate is embedded, for the report.
 */
export function candidates({ dist, nodeModules, floor = null }) {
  const nm = (...parts) => path.join(nodeModules, ...parts);
  const list = [
    {
      id: 'ours',
      label: 'CanEnrich (ours)',
      // All of dist/ is served under /ours/ (the loader, the glue, the .wasm, the CSS and
      // whatever else it fetches, e.g. snippets/ or a split-off UI module).
      files: {},
      dir: { prefix: '/ours/', root: dist },
      banner:
        "document.getElementById('canenrich-consent')?.shadowRoot?.querySelector('[data-testid=banner]:not([hidden])')",
      accept: '#canenrich-consent [data-testid=accept-all]',
      html: page({
        title: 'CanEnrich',
        head: `<script type="application/json" id="canenrich-consent-config">{"language":"en","categories":{"personalization":null}}</script>
<script src="/ours/canenrich-consent.js"></script>`,
        body: CATEGORY_GATED,
      }),
      note: 'loader first in `<head>` (synchronous, as the README says), inline JSON config (English, personalization removed: analytics + marketing)',
    },
    {
      id: 'vanilla',
      label: 'vanilla-cookieconsent 3.1.0',
      files: {
        '/anchors/vanilla/cookieconsent.umd.js': nm('vanilla-cookieconsent', 'dist', 'cookieconsent.umd.js'),
        '/anchors/vanilla/cookieconsent.css': nm('vanilla-cookieconsent', 'dist', 'cookieconsent.css'),
      },
      banner: "document.querySelector('#cc-main .cm')",
      accept: '#cc-main .cm .cm__btn[data-role=all]',
      html: page({
        title: 'vanilla-cookieconsent',
        head: '<link rel="stylesheet" href="/anchors/vanilla/cookieconsent.css">',
        body: `${CATEGORY_GATED}
<script src="/anchors/vanilla/cookieconsent.umd.js"></script>
<script>
CookieConsent.run({
  // Its default bot detection hides the banner from automated browsers (navigator.webdriver).
  hideFromBots: false,
  categories: { necessary: { enabled: true, readOnly: true }, analytics: {}, marketing: {} },
  language: {
    default: 'en',
    translations: {
      en: {
        consentModal: {
          title: 'We use cookies',
          description: ${JSON.stringify(BANNER_TEXT)},
          acceptAllBtn: 'Accept all',
          acceptNecessaryBtn: 'Reject all',
          showPreferencesBtn: 'Manage preferences'
        },
        preferencesModal: {
          title: 'Cookie preferences',
          acceptAllBtn: 'Accept all',
          acceptNecessaryBtn: 'Reject all',
          savePreferencesBtn: 'Save preferences',
          closeIconLabel: 'Close',
          sections: [
            { title: 'Strictly necessary', description: 'Login and security.', linkedCategory: 'necessary' },
            { title: 'Usage statistics', description: 'How the site is used.', linkedCategory: 'analytics' },
            { title: 'Marketing', description: 'Promotions and advertising.', linkedCategory: 'marketing' }
          ]
        }
      }
    }
  }
});
</script>`,
      }),
      note: 'CSS `<link>` in `<head>`; UMD script + `CookieConsent.run({...})` at the end of `<body>` (with `hideFromBots: false`, else it never shows in an automated browser); same `data-category` gating markup as ours',
    },
    {
      id: 'osano',
      label: 'Osano cookieconsent 3.1.1',
      files: {
        '/anchors/osano/cookieconsent.min.js': nm('cookieconsent', 'build', 'cookieconsent.min.js'),
        '/anchors/osano/cookieconsent.min.css': nm('cookieconsent', 'build', 'cookieconsent.min.css'),
      },
      banner: "document.querySelector('.cc-window:not(.cc-invisible)')",
      accept: '.cc-window .cc-allow',
      html: page({
        title: 'Osano cookieconsent',
        head: '<link rel="stylesheet" href="/anchors/osano/cookieconsent.min.css">',
        body: `
<script src="/anchors/osano/cookieconsent.min.js"></script>
<script>
(function () {
  // Osano's cookieconsent is a banner only: it has one "allow" status and no categories or tag
  // gating, so both trackers are inserted (in order) from its callbacks once it reports consent.
  var released = false;
  function release() {
    if (released) return;
    released = true;
    ['/trackers/a.js', '/trackers/m.js'].forEach(function (src) {
      var s = document.createElement('script');
      s.src = src;
      s.async = false;
      document.body.appendChild(s);
    });
  }
  window.cookieconsent.initialise({
    type: 'opt-in',
    content: {
      message: ${JSON.stringify(BANNER_TEXT)},
      allow: 'Accept all',
      deny: 'Reject all',
      link: 'Privacy policy',
      href: '/privacy'
    },
    onInitialise: function () { if (this.hasConsented()) release(); },
    onStatusChange: function () { if (this.hasConsented()) release(); }
  });
})();
</script>`,
      }),
      note: "CSS `<link>` in `<head>`; script + `cookieconsent.initialise({type:'opt-in'})` at the end of `<body>`; no categories, so both trackers are inserted from `onInitialise`/`onStatusChange` once it reports consent (emulated gating)",
    },
    {
      id: 'klaro',
      label: 'klaro 0.7.22',
      files: {
        '/anchors/klaro/klaro.js': nm('klaro', 'dist', 'klaro.js'),
      },
      banner: "document.querySelector('.klaro .cookie-notice:not(.cookie-notice-hidden)')",
      accept: '.klaro .cookie-notice .cm-btn-success',
      html: page({
        title: 'Klaro',
        head: `<script>
window.klaroConfig = {
  version: 1,
  elementID: 'klaro',
  storageMethod: 'cookie',
  cookieName: 'klaro',
  default: false,
  mustConsent: false,
  acceptAll: true,
  hideDeclineAll: false,
  lang: 'en',
  translations: {
    en: {
      consentNotice: { description: ${JSON.stringify(BANNER_TEXT)} },
      ok: 'Accept all',
      decline: 'Reject all',
      purposes: { analytics: 'Usage statistics', marketing: 'Marketing' }
    }
  },
  services: [
    { name: 'analytics', title: 'Example analytics', purposes: ['analytics'] },
    { name: 'marketing', title: 'Example marketing', purposes: ['marketing'] }
  ]
};
</script>
<script defer src="/anchors/klaro/klaro.js"></script>`,
        body: `
<script type="text/plain" data-type="text/javascript" data-name="analytics" data-src="/trackers/a.js"></script>
<script type="text/plain" data-type="text/javascript" data-name="marketing" data-src="/trackers/m.js"></script>`,
      }),
      note: '`window.klaroConfig` + `<script defer src=klaro.js>` in `<head>` (its documented setup; CSS is bundled in the JS); `data-name`/`data-src` gating markup',
    },
  ];
  if (floor) list.push(yewFloor(floor));
  list.push(pageAlone());
  return list;
}

/**
 * The page with no consent widget at all: the same article, its gated tags inert. A reference
 * (no banner, no checks), measured for the page's own first contentful paint, which the widget
 * must not delay.
 */
function pageAlone() {
  return {
    id: 'none',
    label: 'the page alone (no widget)',
    reference: true,
    bare: true,
    files: {},
    banner: 'null',
    html: page({ title: 'No widget', head: '', body: CATEGORY_GATED }),
    note: 'the same article and inert gated tags, no consent widget: the first contentful paint the others are compared with',
  };
}

/**
 * The reference: a bare Yew banner (`tests/bench/yew-floor`, built like the widget) with three
 * buttons and no consent logic, no styles and no gating. Only its first visit is measured; it is
 * not an anchor (no ratios to it) and has no correctness checks. It shows what any banner drawn
 * by Yew costs before doing anything.
 */
function yewFloor(dir) {
  return {
    id: 'floor',
    label: 'bare Yew banner (reference)',
    reference: true,
    files: {},
    dir: { prefix: '/floor/', root: dir },
    banner: "document.querySelector('#yew-floor [data-testid=banner]')",
    html: page({
      title: 'Yew floor',
      head: `<script type="module">import init from '/floor/yew_floor.js'; init();</script>`,
      body: '',
    }),
    note: "`<script type=module>` in `<head>` that imports wasm-bindgen's glue and calls `init()` (which fetches and instantiates the `.wasm`); Yew renders a `<section>` with a heading, a sentence and three buttons into a `<div>` at the end of `<body>` — pinned to the bottom of the viewport by one inline style; no consent logic, no stylesheet, no gated trackers",
  };
}

/** The two gated trackers: each sets a cookie and records that (and when) it ran. */
export const TRACKERS = {
  '/trackers/a.js': trackerSource('a', 'bench_a'),
  '/trackers/m.js': trackerSource('m', 'bench_m'),
};

function trackerSource(name, cookie) {
  return `document.cookie = '${cookie}=1; path=/; max-age=3600';
(window.__ran = window.__ran || []).push('${name}');
if (window.__bench) window.__bench.ranAt['${name}'] = performance.now();
`;
}
