// Turns the raw runs of bench.mjs into target/bench/report.md (markdown tables: median, min–max
// and the ratio to each anchor) and the data for the chart.

const ANCHORS = ['vanilla', 'osano', 'klaro'];

/** Per-run metrics reported for the first visit, accept and the returning visit. */
const METRICS = [
  { key: 'bannerMs', label: 'banner visible (ms from navigation start)', unit: 'ms', digits: 0 },
  { key: 'fcpMs', label: "page's first contentful paint, first visit (ms)", unit: 'ms', digits: 0 },
  { key: 'scriptMs', label: 'main-thread script, first visit (ms)', unit: 'ms', digits: 0 },
  { key: 'taskMs', label: 'main-thread tasks, first visit (ms)', unit: 'ms', digits: 0 },
  { key: 'longTaskCount', label: 'long tasks, first visit (count)', unit: '', digits: 0 },
  { key: 'longTaskMs', label: 'long tasks, first visit (total ms)', unit: 'ms', digits: 0 },
  { key: 'widgetLongTaskCount', label: "long tasks the widget's own scripts caused, first visit (count)", unit: '', digits: 0 },
  { key: 'widgetBlockingMs', label: "blocking time of the widget's own scripts, first visit (ms over 50 per task)", unit: 'ms', digits: 0 },
  { key: 'cls', label: 'CLS, first visit', unit: '', digits: 4 },
  { key: 'acceptMs', label: 'click "accept all" → both tags ran (ms)', unit: 'ms', digits: 1 },
  { key: 'heapMB', label: 'JS heap used after first visit (MB)', unit: 'MB', digits: 2 },
  { key: 'wasmMemoryMB', label: 'WebAssembly.Memory size (MB, ours only)', unit: 'MB', digits: 2 },
  { key: 'returnRanMs', label: 'returning: both tags ran (ms from navigation start)', unit: 'ms', digits: 0 },
  { key: 'returnScriptMs', label: 'returning: main-thread script (ms)', unit: 'ms', digits: 0 },
  { key: 'returnLongTaskCount', label: 'returning: long tasks (count)', unit: '', digits: 0 },
  { key: 'returnWidgetLongTaskCount', label: "returning: long tasks the widget's own scripts caused (count)", unit: '', digits: 0 },
];

export function median(values) {
  const v = [...values].sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

function num(value, digits) {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function ratio(value, anchor) {
  if (value === null || anchor === null || value === undefined || anchor === undefined) return '–';
  if (anchor === 0) return value === 0 ? '=' : '∞';
  return `${(value / anchor).toFixed(2)}×`;
}

function kb(bytes) {
  return bytes === null || bytes === undefined ? '–' : (bytes / 1024).toFixed(1);
}

function table(header, rows) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  const align = header.map((_, i) => (i === 0 ? '---' : '---:'));
  return [line(header), line(align), ...rows.map(line)].join('\n');
}

/** { [speed]: { [candidate]: { [metric]: { median, min, max, n } } } } */
function summarize(data) {
  const out = {};
  for (const speed of data.speeds) {
    out[speed] = {};
    for (const c of data.candidates) {
      out[speed][c.id] = {};
      const runs = data.runs.filter((r) => r.speed === speed && r.candidate === c.id);
      for (const m of METRICS) {
        const values = runs.map((r) => r[m.key]).filter((v) => typeof v === 'number' && Number.isFinite(v));
        out[speed][c.id][m.key] = values.length
          ? { median: median(values), min: Math.min(...values), max: Math.max(...values), n: values.length, runs: runs.length }
          : null;
      }
    }
  }
  return out;
}

export function renderReport(data) {
  const ids = data.candidates.map((c) => c.id);
  const label = Object.fromEntries(data.candidates.map((c) => [c.id, c.label]));
  const anchors = ANCHORS.filter((a) => ids.includes(a));
  const referenceIds = new Set(data.candidates.filter((c) => c.reference).map((c) => c.id));
  const stats = summarize(data);
  const md = [];

  md.push('# CanEnrich Consent — benchmark against three anchors');
  if (referenceIds.size) {
    md.push('');
    md.push('With references that are not anchors: a bare Yew banner (no consent logic), to show what Yew alone costs (only its first visit is measured), and the page alone with no widget, for the first contentful paint the widget must not delay.');
  }
  md.push('');
  md.push(
    `${data.date} · Chromium ${data.chromium} (headless, \`/usr/bin/chromium\`) · Node ${data.node} · ` +
      `${data.rounds} rounds per CPU speed (${data.speeds.map((s) => `${s}×`).join(', ')}), candidates interleaved, ` +
      `a fresh browser context per run · ${data.seconds} s in all.`,
  );
  md.push('');
  const busy = Math.max(data.load.start, data.load.end) > data.load.cpus;
  md.push(
    `Machine: ${data.load.cpus} CPUs, load average ${data.load.start.toFixed(2)} at the start and ${data.load.end.toFixed(2)} at the end` +
      (busy ? ' — **busier than its CPU count: other work was competing for the cores, so timings are noisy and slower than on an idle machine** (compare candidates within this run; the rounds are interleaved so all candidates share the noise).' : '.'),
  );
  md.push('');
  md.push("Ratios are *this candidate's median ÷ the anchor's median*; lower is better for every figure here, so below 1× beats that anchor.");
  md.push('');

  // Goals.
  if (ids.includes('ours')) {
    md.push('## Goals');
    md.push('');
    md.push(table(['goal', 'ours', 'target', 'met'], goals(data, stats, anchors, label)));
    md.push('');
  }

  // Bytes.
  md.push('## Bytes: the widget files each visit requests');
  md.push('');
  md.push(
    'Measured from the files on disk (gzip -9 and brotli q11 with node:zlib), counting only the widget files ' +
      'the page actually requested on that visit (Playwright request events; served `no-store`, so a returning ' +
      'visit re-requests what it needs). The article page and the trackers are not counted. KB = 1024 bytes.',
  );
  md.push('');
  const byteRows = data.candidates.map((c) => {
    const b = data.bytes[c.id];
    return [
      label[c.id],
      kb(b.first?.raw),
      kb(b.first?.gzip),
      `**${kb(b.first?.brotli)}**`,
      kb(b.returning?.raw),
      kb(b.returning?.gzip),
      `**${kb(b.returning?.brotli)}**`,
      ...anchors.map((a) => `${ratio(b.first?.brotli, data.bytes[a].first?.brotli)} / ${ratio(b.returning?.brotli, data.bytes[a].returning?.brotli)}`),
    ];
  });
  md.push(
    table(
      [
        'candidate',
        'first raw KB',
        'first gzip KB',
        'first brotli KB',
        'returning raw KB',
        'returning gzip KB',
        'returning brotli KB',
        ...anchors.map((a) => `brotli first / returning ÷ ${a}`),
      ],
      byteRows,
    ),
  );
  md.push('');
  md.push('Files requested (first visit; † = not requested again on the returning visit):');
  md.push('');
  const fileRows = [];
  for (const c of data.candidates) {
    const b = data.bytes[c.id];
    const again = new Set(b.returnFiles.map((f) => f.path));
    const reference = referenceIds.has(c.id);
    for (const f of b.firstFiles) {
      fileRows.push([label[c.id], `\`${f.path}\`${again.has(f.path) || reference ? '' : ' †'}`, f.raw.toLocaleString('en-US'), f.gzip.toLocaleString('en-US'), f.brotli.toLocaleString('en-US')]);
    }
    for (const f of b.returnFiles) {
      if (!b.firstFiles.some((g) => g.path === f.path)) {
        fileRows.push([label[c.id], `\`${f.path}\` (returning only)`, f.raw.toLocaleString('en-US'), f.gzip.toLocaleString('en-US'), f.brotli.toLocaleString('en-US')]);
      }
    }
  }
  md.push(table(['candidate', 'file', 'raw B', 'gzip B', 'brotli B'], fileRows));
  md.push('');

  // Timings.
  for (const speed of data.speeds) {
    md.push(`## Timings and memory at ${speed}× CPU${speed > 1 ? ' (CDP `Emulation.setCPUThrottlingRate`)' : ''}`);
    md.push('');
    const rows = [];
    for (const m of METRICS) {
      for (const c of data.candidates) {
        const s = stats[speed][c.id][m.key];
        if (m.key === 'wasmMemoryMB' && c.id !== 'ours') continue;
        const partial = s && s.n < s.runs ? ` (${s.n}/${s.runs} runs)` : '';
        rows.push([
          c.id === data.candidates[0].id ? m.label : '',
          label[c.id],
          s ? `**${num(s.median, m.digits)}**${partial}` : '–',
          s ? `${num(s.min, m.digits)}–${num(s.max, m.digits)}` : '–',
          ...anchors.map((a) => (m.key === 'wasmMemoryMB' ? '' : ratio(s?.median, stats[speed][a][m.key]?.median))),
        ]);
      }
    }
    md.push(table(['metric', 'candidate', 'median', 'min–max', ...anchors.map((a) => `÷ ${a}`)], rows));
    md.push('');
  }

  // Correctness.
  md.push('## Correctness checks (every timed run)');
  md.push('');
  const checkNames = [...new Set(data.runs.flatMap((r) => Object.keys(r.checks)))];
  const correctRows = data.candidates.filter((c) => !referenceIds.has(c.id)).map((c) => {
    const runs = data.runs.filter((r) => r.candidate === c.id);
    return [
      label[c.id],
      String(runs.length),
      String(runs.filter((r) => r.aborted).length),
      ...checkNames.map((name) => `${runs.filter((r) => r.checks[name] === true).length}/${runs.length}`),
    ];
  });
  md.push(table(['candidate', 'runs', 'aborted', ...checkNames], correctRows));
  md.push('');
  const problems = [];
  for (const c of data.candidates) {
    const counts = new Map();
    for (const r of data.runs.filter((x) => x.candidate === c.id)) {
      for (const e of r.errors) counts.set(e, (counts.get(e) ?? 0) + 1);
    }
    for (const [e, n] of counts) problems.push(`- ${label[c.id]}: ${e} (${n}×)`);
  }
  md.push(problems.length ? ['Problems seen:', '', ...problems].join('\n') : 'No check failed; no page error or console error in any run.');
  md.push('');

  // Method.
  md.push('## Method');
  md.push('');
  md.push('Pages (one identical article per candidate, served by a node:http server on 127.0.0.1, no network throttling):');
  md.push('');
  for (const c of data.candidates) md.push(`- **${c.label}**: ${c.note}.`);
  md.push('');
  md.push(
    [
      '- *banner visible*: an init script checks once per animation frame (just before paint) whether the candidate\'s banner element is displayed, not `visibility: hidden`, opacity > 0 and inside the viewport; the time is `performance.now()` of that frame (navigation start = 0).',
      '- *main-thread script / tasks*: CDP `Performance.getMetrics` `ScriptDuration` / `TaskDuration`, counted per document (the domain restarts its counters at each navigation) from navigation to network idle + 500 ms. WebAssembly compilation off the main thread is not in it.',
      '- *long tasks*: `PerformanceObserver` `longtask` entries up to the same point; *CLS*: sum of `layout-shift` values without recent input.',
      "- *the widget's own long tasks*: the script entries of `long-animation-frame` entries (each names its entry point's URL and duration) whose URL is one of the candidate's widget files or an inline script of its page (the anchors' set-up calls), counted when one ran over 50 ms; *blocking time* sums what each ran over 50 ms. WebAssembly work counts under the JS file that called it.",
      '- *accept → tags ran*: from the trusted `click` (capture listener on `window`, so before the widget\'s handler) to the later of the two trackers\' `performance.now()`.',
      '- *JS heap*: CDP `Runtime.getHeapUsage().usedSize` (the V8 heap; `performance.memory` is not used). *WebAssembly.Memory*: `memory.buffer.byteLength` of our instance, reached through the glue module\'s init, which returns the existing exports. The wasm linear memory is not part of the JS heap figure.',
      '- *returning*: the same page reloaded with the stored choice (tracker cookies cleared first): no banner may appear and both trackers must run again.',
      '- Each candidate also had one untimed warm-up run before the rounds.',
    ].join('\n'),
  );
  md.push('');

  const chartData = chartPanels(data, stats, label);
  return { markdown: `${md.join('\n')}`, chartData, stats };
}

/**
 * The goals of issue 16, each from this run: bytes as gzip -9 of the files each visit requested,
 * times as medians per CPU speed.
 */
function goals(data, stats, anchors, label) {
  const rows = [];
  const ours = data.bytes.ours;
  const yes = (ok) => (ok ? '**yes**' : '**no**');
  const within = (mine, limit) => typeof mine === 'number' && typeof limit === 'number' && mine <= limit;
  const medianOf = (speed, id, key) => stats[speed][id]?.[key]?.median;
  const fastest = (speed, key) =>
    anchors
      .map((a) => ({ a, v: medianOf(speed, a, key) }))
      .filter((x) => typeof x.v === 'number')
      .sort((x, y) => x.v - y.v)[0];
  // `met` shows the candidate's figure ÷ the limit.
  const ratioRow = (goal, mine, limit, unit, anchorText) =>
    rows.push([goal, `${num(mine, 0)} ${unit}`, `≤ ${num(limit, 0)} ${unit} (${anchorText})`, `${yes(within(mine, limit))} (${ratio(mine, limit)})`]);
  for (const speed of data.speeds) {
    const best = fastest(speed, 'bannerMs');
    if (best) ratioRow(`banner visible ≤ 1.0× the fastest anchor (${speed}× CPU)`, medianOf(speed, 'ours', 'bannerMs'), best.v, 'ms', label[best.a]);
  }
  const vanilla = data.bytes.vanilla;
  const klaro = data.bytes.klaro;
  for (const speed of data.speeds) {
    const v = medianOf(speed, 'vanilla', 'returnScriptMs');
    if (typeof v === 'number') ratioRow(`returning visit, main-thread script ≤ 1.0× vanilla-cookieconsent (${speed}× CPU)`, medianOf(speed, 'ours', 'returnScriptMs'), v, 'ms', 'vanilla');
  }
  if (vanilla?.returning) {
    const limit = 2 * vanilla.returning.gzip;
    rows.push([
      'returning visit, widget bytes (gzip) ≤ 2.0× vanilla-cookieconsent',
      `${kb(ours.returning?.gzip)} KB`,
      `≤ ${kb(limit)} KB (2 × ${kb(vanilla.returning.gzip)})`,
      `${yes(within(ours.returning?.gzip, limit))} (${ratio(ours.returning?.gzip, limit)})`,
    ]);
  }
  if (klaro?.first) {
    rows.push([
      'first visit, widget bytes (gzip) ≤ 1.0× Klaro',
      `${kb(ours.first?.gzip)} KB`,
      `≤ ${kb(klaro.first.gzip)} KB`,
      `${yes(within(ours.first?.gzip, klaro.first.gzip))} (${ratio(ours.first?.gzip, klaro.first.gzip)})`,
    ]);
  }
  for (const speed of data.speeds) {
    const v = medianOf(speed, 'vanilla', 'scriptMs');
    if (typeof v === 'number') ratioRow(`first visit, main-thread script ≤ 2.0× vanilla-cookieconsent (${speed}× CPU)`, medianOf(speed, 'ours', 'scriptMs'), 2 * v, 'ms', `2 × ${num(v, 0)} ms`);
  }
  const slow = Math.max(...data.speeds);
  const oursSlow = data.runs.filter((r) => r.candidate === 'ours' && r.speed === slow && !r.aborted);
  const returnOwn = Math.max(...oursSlow.map((r) => r.returnWidgetLongTaskCount ?? Infinity));
  rows.push([
    `the widget's own long tasks on a returning visit (${slow}× CPU, every run)`,
    `max ${num(returnOwn, 0)}`,
    '0',
    yes(returnOwn === 0),
  ]);
  const firstOwn = medianOf(slow, 'ours', 'widgetLongTaskCount');
  const floorOwn = medianOf(slow, 'floor', 'widgetLongTaskCount');
  if (typeof floorOwn === 'number') {
    rows.push([
      `the widget's own long tasks on a first visit ≤ the bare Yew banner's (${slow}× CPU, medians)`,
      num(firstOwn, 1),
      `≤ ${num(floorOwn, 1)}`,
      yes(within(firstOwn, floorOwn)),
    ]);
  }
  for (const speed of data.speeds) {
    const best = fastest(speed, 'acceptMs');
    if (best) ratioRow(`click → gated tags ran ≤ 1.0× the best anchor (${speed}× CPU)`, medianOf(speed, 'ours', 'acceptMs'), best.v, 'ms', label[best.a]);
  }
  for (const speed of data.speeds) {
    const bare = medianOf(speed, 'none', 'fcpMs');
    if (typeof bare === 'number') {
      const mine = medianOf(speed, 'ours', 'fcpMs');
      rows.push([
        `page FCP with the widget ≤ 1.05× without it (${speed}× CPU)`,
        `${num(mine, 0)} ms`,
        `≤ ${num(1.05 * bare, 0)} ms (1.05 × ${num(bare, 0)})`,
        `${yes(within(mine, 1.05 * bare))} (${ratio(mine, bare)})`,
      ]);
    }
  }
  const clsMax = Math.max(...data.runs.filter((r) => r.candidate === 'ours').map((r) => Math.max(r.cls ?? Infinity, r.returnCls ?? 0)));
  rows.push(['CLS 0 (every run, every speed, both visits)', `max ${num(clsMax, 4)}`, '0', yes(clsMax === 0)]);
  return rows;
}

const SHORT = { ours: 'ours', vanilla: 'vanilla-cc', osano: 'Osano cc', klaro: 'Klaro', floor: 'Yew floor', none: 'no widget' };

function chartPanels(data, stats, label) {
  const panels = [];
  const bytePanel = (title, which) => ({
    title,
    unit: 'KB',
    digits: 1,
    bars: data.candidates.map((c) => ({ id: c.id, label: SHORT[c.id] ?? label[c.id], value: (data.bytes[c.id][which]?.brotli ?? NaN) / 1024 })),
  });
  panels.push(bytePanel('First visit: widget bytes (brotli)', 'first'));
  panels.push(bytePanel('Returning visit: widget bytes (brotli)', 'returning'));
  const metricPanel = (title, key, speed, unit, digits) => ({
    title: `${title} — ${speed}× CPU`,
    unit,
    digits,
    bars: data.candidates.map((c) => ({ id: c.id, label: SHORT[c.id] ?? label[c.id], value: stats[speed][c.id][key]?.median ?? NaN })),
  });
  for (const speed of data.speeds) panels.push(metricPanel('Time to banner visible', 'bannerMs', speed, 'ms', 0));
  const slow = Math.max(...data.speeds);
  panels.push(metricPanel('Main-thread script, first visit', 'scriptMs', slow, 'ms', 0));
  panels.push(metricPanel('Long tasks, first visit (count)', 'longTaskCount', slow, '', 0));
  panels.push(metricPanel("Long tasks from the widget's own scripts", 'widgetLongTaskCount', slow, '', 0));
  panels.push(metricPanel('Long tasks, first visit (total)', 'longTaskMs', slow, 'ms', 0));
  panels.push(metricPanel('Click "accept all" → tags ran', 'acceptMs', slow, 'ms', 1));
  panels.push(metricPanel('Returning: tags ran after', 'returnRanMs', slow, 'ms', 0));
  panels.push(metricPanel('JS heap used after first visit', 'heapMB', data.speeds[0], 'MB', 2));
  return { title: `CanEnrich Consent vs anchors — medians of ${data.rounds} runs`, panels };
}
