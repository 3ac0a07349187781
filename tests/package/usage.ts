// Type-checked against the built package by package.test.mjs (`tsc --noEmit --strict`): every
// member of `window.CanEnrichConsent`, every event and the config shape, as a site would use them.
// Each `@ts-expect-error` line is a misuse the types must refuse.
import type {
  CanEnrichConsentApi,
  ChangeDetail,
  ConsentConfig,
  ConsentMethod,
  ConsentRecord,
  WidgetState,
  LoadOptions,
} from '@canenrich/consent';
import { load } from '@canenrich/consent';

const config: ConsentConfig = {
  revision: 2,
  language: 'zh-CN',
  theme: 'dark',
  position: 'bottom-bar',
  expiryDays: 182,
  refusalExpiryDays: 90,
  revisionNote: 'We added a video category.',
  privacyPolicyUrl: '/privacy.html',
  essentialCookies: ['canenrich_session', 'csrf*'],
  showReopenButton: false,
  receiptEndpoint: '/api/consent',
  testOverrides: false,
  debug: true,
  categories: {
    analytics: { title: 'Usage statistics', description: '…', cookies: ['_ga', '_ga_*'], storage: ['_ga_store'] },
    video: { title: 'Embedded videos', gpc: true },
    personalization: null,
  },
};

// @ts-expect-error a typo'd field is refused, as the widget refuses it
const typo: ConsentConfig = { titel: 'x' };
// @ts-expect-error themes are a closed set
const pink: ConsentConfig = { theme: 'pink' };

async function main(api: CanEnrichConsentApi): Promise<void> {
  const started: CanEnrichConsentApi = await CanEnrichConsent.ready;
  const same: CanEnrichConsentApi = await window.CanEnrichConsent.ready;
  const record: ConsentRecord | null = api.getConsent();
  if (record) {
    const id: string = record.id;
    const revision: number = record.revision;
    const timestamp: number = record.timestamp;
    const accepted: string[] = record.categories;
    const rejected: string[] = record.rejected;
    const method: ConsentMethod = record.method;
    console.log(id, revision, new Date(timestamp), accepted, rejected, method);
  }
  const analytics: boolean = started.acceptedCategory('analytics');
  const state: WidgetState | null = same.getState();
  if (state) console.log(state.bannerOpen, state.preferencesOpen, state.held);
  const all: ConsentRecord = await CanEnrichConsent.acceptAll();
  const none: ConsentRecord = await CanEnrichConsent.rejectAll();
  const some: ConsentRecord = await CanEnrichConsent.acceptCategories(['analytics']);
  const frozen: ConsentRecord = await CanEnrichConsent.acceptCategories(['video'] as const);
  CanEnrichConsent.show();
  CanEnrichConsent.hide();
  CanEnrichConsent.showPreferences();
  CanEnrichConsent.reset();
  console.log(analytics, all.method, none.rejected, some.categories, frozen.id);

  // @ts-expect-error acceptCategories takes an array of names
  await CanEnrichConsent.acceptCategories('analytics');
  // @ts-expect-error getConsent() may be null before a choice
  console.log(CanEnrichConsent.getConsent().id);
  // @ts-expect-error the API has no such member
  CanEnrichConsent.acceptEverything();
}

window.addEventListener('canenrich:ready', (event) => {
  const detail: ConsentRecord | null = event.detail;
  console.log(detail?.method);
});
addEventListener('canenrich:consent', (event) => {
  const detail: ConsentRecord = event.detail;
  console.log(detail.categories);
});
window.addEventListener('canenrich:change', (event) => {
  const detail: ChangeDetail = event.detail;
  const changed: string[] = detail.changed;
  const cookies: string[] = detail.survivors.cookies;
  const storage: string[] = detail.survivors.storage;
  // After reset() the record's fields are absent: narrowing on `id` gives the full record.
  if (detail.id !== undefined) {
    const method: ConsentMethod = detail.method;
    console.log(method);
  }
  // @ts-expect-error without narrowing, the record's fields may be missing
  const method: ConsentMethod = detail.method;
  console.log(changed, cookies, storage, method);
});

// The ES module entry for bundled apps.
async function bundled(): Promise<void> {
  const options: LoadOptions = { base: '/consent/', config, lang: 'zh-CN', theme: 'auto', position: 'center' };
  const api: CanEnrichConsentApi = await load(options);
  await load({ base: new URL('https://cdn.example/consent/'), config: '/consent/config.json', nonce: 'abc' });
  console.log(api.getConsent());
  // @ts-expect-error `base` (where dist/ is hosted) is required
  await load({ config });
  // @ts-expect-error positions are a closed set
  await load({ base: '/consent/', position: 'top' });
  // @ts-expect-error a config object is checked like any other
  await load({ base: '/consent/', config: { revison: 2 } });
}

console.log(config, typo, pink, main, bundled);
