// The README's nginx quick start, as written there: its ```nginx block is put in a server of a
// throwaway nginx (Debian's, with the brotli_static module; `cargo xtask test` installs both),
// checked with `nginx -t`, then run: the widget's files are served from their precompressed
// twins with the cache headers and media types the README promises, the config is
// revalidated, and /api/ reaches the receipts server with X-Forwarded-For.

import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import zlib from 'node:zlib';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const NGINX = process.env.CANENRICH_NGINX ?? '/usr/sbin/nginx';
const BROTLI_MODULE = '/usr/lib/nginx/modules/ngx_http_brotli_static_module.so';
const run = promisify(execFile);

/** The ```nginx block of the README's quick starts. */
function readmeBlock() {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/```nginx\n([\s\S]*?)```/g)].map((m) => m[1]);
  assert.equal(blocks.length, 1, 'the README has one nginx block');
  return blocks[0];
}

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** Writes `name` under `dir` with its .br and .gz twins, as `cargo xtask dist` does. */
function writePrecompressed(dir, name, text) {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  fs.writeFileSync(`${file}.br`, zlib.brotliCompressSync(text));
  fs.writeFileSync(`${file}.gz`, zlib.gzipSync(text));
}

/** One plain HTTP request; the body is returned as raw bytes (never decompressed). */
function request(port, pathname, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: pathname, method, headers }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function until(check, what) {
  for (let i = 0; i < 100; i += 1) {
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

test('the README nginx block passes nginx -t and serves dist/ precompressed with its cache headers, proxying /api/', { timeout: 60_000 }, async () => {
  assert.ok(fs.existsSync(NGINX), `${NGINX} is missing: apt-get install nginx libnginx-mod-http-brotli-static`);
  assert.ok(fs.existsSync(BROTLI_MODULE), `${BROTLI_MODULE} is missing: apt-get install libnginx-mod-http-brotli-static`);
  const block = readmeBlock();
  assert.match(block, /root \/srv;/);
  assert.match(block, /proxy_pass http:\/\/127\.0\.0\.1:8080;/);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'canenrich-nginx-'));
  // nginx's workers drop root for `nobody`, who must be able to read the files.
  fs.chmodSync(dir, 0o755);
  const received = [];
  const upstream = http.createServer((req, res) => {
    received.push({ method: req.method, url: req.url, headers: req.headers });
    res.writeHead(201, { 'content-type': 'application/json' });
    res.end('{"stored":true}');
  });
  let nginx;
  try {
    const release = path.join(dir, 'srv', 'consent', '0.1.0');
    const loader = 'window.CanEnrichConsent = {};\n'.repeat(20);
    writePrecompressed(release, 'canenrich-consent.js', loader);
    writePrecompressed(release, 'canenrich_consent_bg.wasm', Buffer.from('\0asm\x01\0\0\0'));
    writePrecompressed(path.join(dir, 'srv', 'consent'), 'config.json', '{"revision": 2}\n');

    await new Promise((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const port = await freePort();
    const server = block
      .replace('root /srv;', `root ${path.join(dir, 'srv')};`)
      .replace('proxy_pass http://127.0.0.1:8080;', `proxy_pass http://127.0.0.1:${upstream.address().port};`);
    const temp = (name) => `${name}_temp_path ${path.join(dir, name)};`;
    const config = path.join(dir, 'nginx.conf');
    fs.writeFileSync(config, `load_module ${BROTLI_MODULE};
daemon off;
pid ${path.join(dir, 'nginx.pid')};
error_log ${path.join(dir, 'error.log')} warn;
events {}
http {
  access_log off;
  ${['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(temp).join('\n  ')}
  default_type application/octet-stream;
  server {
    listen 127.0.0.1:${port};
    server_name shop.example;
${server}
  }
}
`);
    const checked = await run(NGINX, ['-t', '-p', dir, '-c', config]).then(
      ({ stderr }) => stderr,
      (error) => assert.fail(`nginx -t refused the README block:\n${error.stderr}`),
    );
    assert.match(checked, /test is successful/);

    nginx = spawn(NGINX, ['-p', dir, '-c', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    let errors = '';
    nginx.stderr.on('data', (chunk) => {
      errors += chunk;
    });
    await until(() => request(port, '/consent/config.json').then(() => true), `nginx on port ${port} (${errors})`);

    const js = '/consent/0.1.0/canenrich-consent.js';
    const br = await request(port, js, { headers: { 'accept-encoding': 'gzip, br' } });
    assert.equal(br.status, 200);
    assert.equal(br.headers['content-encoding'], 'br');
    assert.equal(zlib.brotliDecompressSync(br.body).toString(), loader);
    assert.equal(br.headers['content-type'], 'text/javascript');
    assert.equal(br.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(br.headers['x-content-type-options'], 'nosniff');
    assert.match(br.headers.vary ?? '', /Accept-Encoding/);

    const gz = await request(port, js, { headers: { 'accept-encoding': 'gzip' } });
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.equal(zlib.gunzipSync(gz.body).toString(), loader);
    const plain = await request(port, js);
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.equal(plain.body.toString(), loader);

    const wasm = await request(port, '/consent/0.1.0/canenrich_consent_bg.wasm', { headers: { 'accept-encoding': 'br' } });
    assert.equal(wasm.headers['content-type'], 'application/wasm', 'WebAssembly.compileStreaming needs it');
    assert.equal(wasm.headers['content-encoding'], 'br');

    const config304 = await request(port, '/consent/config.json', { headers: { 'accept-encoding': 'br' } });
    assert.equal(config304.status, 200);
    assert.equal(config304.headers['cache-control'], 'no-cache', 'the config is revalidated, not cached for a year');
    assert.equal(config304.headers['content-type'], 'application/json');
    assert.equal(config304.headers['content-encoding'], 'br');

    const receipt = await request(port, '/api/consent', {
      method: 'POST',
      headers: { 'content-type': 'application/json', host: 'shop.example', origin: 'http://shop.example' },
      body: '{}',
    });
    assert.equal(receipt.status, 201);
    assert.equal(received.length, 1);
    assert.equal(received[0].url, '/api/consent');
    assert.equal(received[0].headers.host, 'shop.example', 'the receipts server sees the site as the origin');
    assert.equal(received[0].headers['x-forwarded-for'], '127.0.0.1');
    assert.equal(received[0].headers['x-forwarded-proto'], 'http');
    const big = await request(port, '/api/consent', { method: 'POST', body: 'x'.repeat(20_000), headers: { 'content-type': 'application/json' } });
    assert.equal(big.status, 413, 'nginx refuses oversized receipts itself');
  } finally {
    if (nginx && nginx.exitCode === null) {
      const exited = new Promise((resolve) => nginx.once('exit', resolve));
      nginx.kill('SIGTERM');
      await exited;
    }
    upstream.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
