/**
 * TypeScript declarations for CanEnrich Consent: the JSON config, the consent record, the
 * `window.CanEnrichConsent` API the loader creates and the `canenrich:*` window events.
 *
 * The loader is a plain script tag, so these types describe globals; the package's ES module
 * entry adds `load()` for bundled apps. Bring them into a project with
 * `import type { … } from '@canenrich/consent'` (or `import { load }`), or for the globals alone with
 * `/// <reference types="@canenrich/consent" />` (or `"types": ["@canenrich/consent"]` in
 * `tsconfig.json`).
 *
 * Hand-written: keep in step with `src/config/mod.rs` (the config), `src/events.rs` (records and
 * event details), `src/api.rs` and `www/loader/api.js` (the API), `www/canenrich-consent.mjs` (`load`).
 */

/** Colour scheme of the widget. */
export type Theme =
  /** Follow `prefers-color-scheme`. */
  | 'auto'
  /** Dark text on white. */
  | 'light'
  /** White text on near-black. */
  | 'dark';

/** Where the first layer sits (always a bottom sheet below 480 px). */
export type Position =
  /** A card in the bottom-left corner. */
  | 'corner'
  /** A slim bar along the bottom edge. */
  | 'bottom-bar'
  /** A card centred on the screen. */
  | 'center';

/** One category in the JSON config. Every field is optional; unknown fields are errors. */
export interface CategoryConfig {
  /** Title shown next to the switch; built-in categories take it from the language file. A new category needs one. */
  title?: string | null;
  /** One or two sentences under the title. */
  description?: string | null;
  /** Cookie name patterns (`*` wildcard) erased while the category is refused. */
  cookies?: string[] | null;
  /** localStorage / sessionStorage key patterns erased while the category is refused. */
  storage?: string[] | null;
  /** Refused by the Global Privacy Control signal unless accepted explicitly (`marketing` always is). */
  gpc?: boolean | null;
  /** The services that use this category, listed with their cookies in the preferences dialog. */
  services?: ServiceConfig[] | null;
}

/** A service (a tool or partner) that sets cookies under a category. Unknown fields are errors. */
export interface ServiceConfig {
  /** The service's name, as a visitor would recognise it. */
  name: string;
  /** Who runs it (the company that receives the data). */
  provider?: string | null;
  /** What it is used for, in one sentence. */
  purpose?: string | null;
  /** The provider's privacy policy: an `http(s)` URL or a path on this site. */
  privacyPolicyUrl?: string | null;
  /** The cookies it sets, one row each in the cookie table. */
  cookies?: ServiceCookieConfig[];
}

/** One cookie a service sets. Unknown fields are errors. */
export interface ServiceCookieConfig {
  /** The cookie's name (or name pattern, such as `_ga_*`). */
  name: string;
  /** How long it is kept, as a visitor reads it (`Session`, `2 years`). */
  duration: string;
  /** What it is for, in a few words. */
  purpose: string;
}

/** A Google Consent Mode v2 consent type. */
export type ConsentModeType =
  | 'ad_storage'
  | 'ad_user_data'
  | 'ad_personalization'
  | 'analytics_storage'
  | 'personalization_storage'
  | 'functionality_storage'
  | 'security_storage';

/**
 * The JSON config exactly as a site owner writes it (`data-config`, the inline
 * `<script type="application/json" id="canenrich-consent-config">`, `dist/config.json`).
 * Every field is optional (`null` counts as absent); unknown fields are errors, so a typo is
 * reported instead of silently ignored. `dist/config.schema.json` is the same shape as a JSON
 * Schema.
 */
export interface ConsentConfig {
  /** The JSON Schema this file follows (`config.schema.json`), for editors; ignored by the widget. */
  $schema?: string | null;
  /** Bump to ask every visitor again; copied into the stored record. A non-negative integer. */
  revision?: number | null;
  /** Language of the widget (`en`, `zh-CN`; `zh`, `zh-Hans`, `zh-SG` map to `zh-CN`); detected from the page when absent. */
  language?: string | null;
  /** Colour scheme. */
  theme?: Theme | null;
  /** Where the first layer sits. */
  position?: Position | null;
  /** How long a choice is remembered, in days (1–3650, default 182). */
  expiryDays?: number | null;
  /** How long a choice that refuses something is remembered, in days (1–`expiryDays`, default 90). */
  refusalExpiryDays?: number | null;
  /** Shown in the banner when a visitor who chose under an older revision is asked again. */
  revisionNote?: string | null;
  /** Link to the privacy policy: an `http(s)` URL or a path on this site. */
  privacyPolicyUrl?: string | null;
  /** Cookie name patterns (`*` wildcard) that are essential and never erased. */
  essentialCookies?: string[] | null;
  /** Show the small "Cookie settings" button after a choice (default true). */
  showReopenButton?: boolean | null;
  /** Where a proof-of-consent receipt is posted after every choice (kept in an outbox and retried until acknowledged): an `http(s)` URL or a path on this site. */
  receiptEndpoint?: string | null;
  /** Allow test suites to force a choice with `?canenrich-test=` or the `canenrich_test` cookie (recorded with method `test`). Honoured from the `data-config` file, not from an inline config. Never enable it in production. */
  testOverrides?: boolean | null;
  /** Log every held and released element, erased or surviving data and pre-consent leaks. */
  debug?: boolean | null;
  /**
   * Categories by name (`[a-z][a-z0-9_-]*`), merged over the defaults; `null` removes a default
   * category (never `necessary`).
   */
  categories?: { [name: string]: CategoryConfig | null } | null;
  /**
   * Google Consent Mode v2: for each consent type, the categories any one of which grants it
   * (`necessary`: always granted; `[]`: never). Types not named keep their default
   * (`ad_*` → `marketing`, `analytics_storage` → `analytics`, `personalization_storage` →
   * `personalization`, `functionality_storage` and `security_storage` → `necessary`).
   */
  consentMode?: { [type in ConsentModeType]?: string[] } | null;
}

/** How a choice was made (`test`: forced by a test override; never posted as a receipt). */
export type ConsentMethod = 'accept_all' | 'reject_all' | 'custom' | 'gpc' | 'test';

/** The visitor's choice, as `getConsent()` returns it and the events carry it. */
export interface ConsentRecord {
  /** A UUIDv4 made in the browser, shown in the preferences dialog. */
  id: string;
  /** The config `revision` the choice was made under. */
  revision: number;
  /** When the choice was made, in milliseconds since the epoch. */
  timestamp: number;
  /** Accepted category names (`necessary` included). */
  categories: string[];
  /** Refused category names. */
  rejected: string[];
  /** How the choice was made. */
  method: ConsentMethod;
  /** Services (keys such as `partner-ads`: the `data-service` name in lower case, other characters as `-`) switched off inside accepted categories. */
  refusedServices: string[];
}

/** Cookies and storage keys of refused categories that could not be erased. */
export interface Survivors {
  /** Cookie names, e.g. set for another path or `HttpOnly`. */
  cookies: string[];
  /** localStorage / sessionStorage keys. */
  storage: string[];
}

/** What `canenrich:change` adds to the record. */
export interface ChangeInfo {
  /** The categories whose acceptance flipped. */
  changed: string[];
  /** What could not be erased (also reported on the console). */
  survivors: Survivors;
}

/**
 * `detail` of `canenrich:change`: the new record with `changed` and `survivors`; without the
 * record's fields when the choice was forgotten (`reset()`, here or in another tab).
 */
export type ChangeDetail =
  | (ConsentRecord & ChangeInfo)
  | ({ [K in keyof ConsentRecord]?: undefined } & ChangeInfo);

/** `getState()`, for test suites. */
export interface WidgetState {
  /** The first layer is on screen. */
  bannerOpen: boolean;
  /** The preferences dialog is open. */
  preferencesOpen: boolean;
  /** How many gated elements are held. */
  held: number;
}

/**
 * `window.CanEnrichConsent`. It and `ready` exist as soon as the loader has run; call the other
 * members after `ready`. Before that, `getConsent()` answers `null`, `acceptedCategory()` `false`,
 * `getState()` `null`, and the other members wait for `ready`.
 */
export interface CanEnrichConsentApi {
  /**
   * Resolves (with this object) once the widget has started and a due banner is on screen;
   * rejects if the widget cannot load. **Try again** on the load-error notice replaces it with a
   * new promise.
   */
  ready: Promise<CanEnrichConsentApi>;
  /** `null` before any choice, else the record. */
  getConsent(): ConsentRecord | null;
  /** Whether the category is accepted. */
  acceptedCategory(name: string): boolean;
  /** State of the widget for test suites; `null` before `ready`. */
  getState(): WidgetState | null;
  /** Accepts every category, as the button does; resolves with the record once it is stored. */
  acceptAll(): Promise<ConsentRecord>;
  /** Refuses every optional category, as the button does; resolves with the record once it is stored. */
  rejectAll(): Promise<ConsentRecord>;
  /**
   * Accepts exactly `names` (`necessary` is always accepted); unknown names are warned about and
   * ignored. Resolves with the record once it is stored; rejects with a `TypeError` when `names`
   * is not an array.
   */
  acceptCategories(names: readonly string[]): Promise<ConsentRecord>;
  /** Opens the banner. */
  show(): void;
  /** Closes the banner and the preferences dialog. */
  hide(): void;
  /** Opens the preferences dialog. */
  showPreferences(): void;
  /** Forgets the stored choice and shows the banner again. */
  reset(): void;
}

/** Options of {@link load}. */
export interface LoadOptions {
  /**
   * Where `dist/` is hosted: an absolute http(s) URL or a path on this site, e.g. `'/consent/'`
   * or `'https://cdn.example/@canenrich/consent@0.1.0/'`. The loader, the WebAssembly and the
   * stylesheet are fetched from there, whatever the bundler did with this module.
   */
  base: string | URL;
  /**
   * The config: an object (put in the page as the inline config) or the URL of a JSON file
   * (the loader tag's `data-config`). Merged over the built-in defaults.
   */
  config?: ConsentConfig | string | URL;
  /** The loader tag's `data-lang`: `en` or `zh-CN` (`zh`, `zh-Hans`, `zh-SG` map to it). */
  lang?: string;
  /** The loader tag's `data-theme`. */
  theme?: Theme;
  /** The loader tag's `data-position`. */
  position?: Position;
  /** The page's CSP nonce, given to the loader tag (and so carried over to released inline tags). */
  nonce?: string;
}

/**
 * Starts the widget from `options.base` by adding the loader script to the page, and resolves
 * with `window.CanEnrichConsent` once it has started (its `ready`). Rejects without loading
 * anything when the options are wrong, and when the loader cannot load (optional cookies and
 * tags stay blocked). Called again, or on a page that already has the loader tag, it resolves
 * with the same widget.
 *
 * ```ts
 * import { load } from '@canenrich/consent';
 * const consent = await load({ base: '/consent/', config: { revision: 2 } });
 * ```
 */
export declare function load(options: LoadOptions): Promise<CanEnrichConsentApi>;

declare global {
  /** The CanEnrich Consent API, created by the loader script. */
  var CanEnrichConsent: CanEnrichConsentApi;

  interface WindowEventMap {
    /** The widget has started; `detail` is the stored record or `null`. */
    'canenrich:ready': CustomEvent<ConsentRecord | null>;
    /** A choice was recorded, or a stored valid one was loaded. */
    'canenrich:consent': CustomEvent<ConsentRecord>;
    /** The accepted categories differ from the previous choice. */
    'canenrich:change': CustomEvent<ChangeDetail>;
  }
}
