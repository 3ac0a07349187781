// Runs a built variant in node against a tiny fake DOM. usage: node smoke.mjs <measure.sh output dir>
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
const dir = process.argv[2];
const fnv = s => { let h = 0x811c9dc5; for (const b of Buffer.from(s)) h = Math.imul(h ^ b, 0x01000193) >>> 0; return h.toString(16).padStart(8, '0'); };
const id = '07070707-0707-4707-8707-070707070707';
const body = `v1.${id}.3.1764081000000.custom.analytics:necessary.marketing`;
class Element {
  constructor(tag, attrs = {}, text = '') { this.tagName = tag.toUpperCase(); this.attrs = new Map(Object.entries(attrs)); this.textContent = text; this.replacedBy = null; }
  get attributes() { const list = [...this.attrs].map(([name, value]) => ({ name, value })); return { length: list.length, item: i => list[i] ?? null }; }
  getAttribute(n) { return this.attrs.has(n) ? this.attrs.get(n) : null; }
  setAttribute(n, v) { this.attrs.set(n, String(v)); }
  removeAttribute(n) { this.attrs.delete(n); }
  hasAttribute(n) { return this.attrs.has(n); }
  replaceWith(node) { this.replacedBy = node; }
}
const jar = new Map([['_ga', '1'], ['mk_id', '2'], ['sess', '3'], ['canenrich_consent', `${body}.${fnv(body)}`]]);
const writes = [];
const held = [
  new Element('script', { type: 'text/plain', 'data-category': 'analytics', 'data-type': 'module', id: 'a' }, 'console.log(1)'),
  new Element('script', { type: 'text/plain', 'data-category': 'marketing' }, 'nope()'),
  new Element('iframe', { 'data-category': 'analytics', 'data-src': 'https://x.example/e' }),
  new Element('img', { 'data-category': 'marketing', 'data-src': 'https://ads.example/p.gif' }),
];
globalThis.Window = Object;
globalThis.Element = Element;
globalThis.location = { hostname: 'shop.example' };
globalThis.document = {
  get cookie() { return [...jar].map(([k, v]) => `${k}=${v}`).join('; '); },
  set cookie(v) { writes.push(v); if (/Max-Age=0/.test(v)) jar.delete(v.split('=')[0]); },
  querySelectorAll: () => ({ length: held.length, item: i => held[i] ?? null }),
  createElement: tag => new Element(tag),
};
const glue = await import(pathToFileURL(`${dir}/core_floor.js`));
glue.initSync({ module: readFileSync(`${dir}/opt.wasm`) });
const config = { categories: { necessary: { cookies: ['sess'] }, analytics: { cookies: ['_ga*'] }, marketing: { cookies: ['mk_*'] } }, essentialCookies: ['csrf'] };
const check = (what, ok) => { console.log(ok ? 'ok  ' : 'FAIL', what); if (!ok) process.exitCode = 1; };
check('start finds the choice', glue.start(config) === true);
check('analytics accepted', glue.acceptedCategory('analytics') && glue.acceptedCategory('necessary'));
check('marketing refused', !glue.acceptedCategory('marketing'));
check('keeps _ga_X', glue.keepsCookie('_ga_X=1; Path=/'));
check('drops mk_x', !glue.keepsCookie('mk_x=1'));
check('keeps csrf', glue.keepsCookie('csrf=1'));
check('drops unlisted', !glue.keepsCookie('other=1'));
check('keeps a deletion', glue.keepsCookie('mk_x=; Max-Age=0'));
const live = held[0].replacedBy;
check('analytics script revived', live && live.type === 'module' && live.textContent === 'console.log(1)' && live.getAttribute('id') === 'a' && !live.hasAttribute('type') && live.async === false);
check('marketing script held', held[1].replacedBy === null);
check('iframe released', held[2].getAttribute('src') === 'https://x.example/e' && !held[2].hasAttribute('data-src'));
check('img held', held[3].getAttribute('src') === null);
check('mk_id erased, _ga and sess kept', !jar.has('mk_id') && jar.has('_ga') && jar.has('sess'));
check('erased on host too', writes.some(w => w.startsWith('mk_id=') && w.endsWith('Domain=shop.example')));
if (glue.queueReceipt) {
  const store = new Map();
  globalThis.localStorage = { getItem: k => store.get(k) ?? null, setItem: (k, v) => store.set(k, v) };
  globalThis.Storage = Object;
  check('outbox queues', glue.queueReceipt('i', '/api/consent', '{}', 5) === 1 && glue.queueReceipt('j', '/e', '{}', 6) === 2);
  check('outbox retries', glue.retryOutbox() === 2 && JSON.parse(store.get('canenrich_outbox'))[1].attempts === 1);
}
// A tampered record is refused.
jar.set('canenrich_consent', `${body.replace('marketing', 'marketinh')}.${fnv(body)}`);
check('tampered record refused', glue.start(config) === false && !glue.acceptedCategory('analytics'));
