// A hand-written SVG chart of the benchmark medians: one small horizontal bar chart per metric
// (each on its own linear scale starting at 0), two panels per row. No chart library.

const COLORS = { ours: '#c2410c', vanilla: '#2563eb', osano: '#0d9488', klaro: '#7c3aed', floor: '#6b7280' };
const PANEL_W = 520;
const BAR_H = 22;
const BAR_GAP = 8;
const LABEL_W = 110;
const VALUE_W = 90;
const TITLE_H = 30;
const PAD = 20;

function esc(text) {
  return String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function panel(p, x, y) {
  const plotW = PANEL_W - LABEL_W - VALUE_W - PAD;
  const finite = p.bars.map((b) => b.value).filter(Number.isFinite);
  const max = Math.max(...finite, 0) || 1;
  const out = [`<g transform="translate(${x},${y})">`];
  out.push(`<text x="0" y="18" class="title">${esc(p.title)}${p.unit ? ` (${esc(p.unit)})` : ''}</text>`);
  p.bars.forEach((b, i) => {
    const by = TITLE_H + i * (BAR_H + BAR_GAP);
    const w = Number.isFinite(b.value) ? Math.max((b.value / max) * plotW, b.value > 0 ? 1 : 0) : 0;
    const value = Number.isFinite(b.value)
      ? b.value.toLocaleString('en-US', { minimumFractionDigits: p.digits, maximumFractionDigits: p.digits })
      : 'n/a';
    out.push(`<text x="${LABEL_W - 8}" y="${by + BAR_H * 0.7}" class="label${b.id === 'ours' ? ' ours' : ''}">${esc(b.label)}</text>`);
    out.push(`<rect x="${LABEL_W}" y="${by}" width="${w.toFixed(1)}" height="${BAR_H}" fill="${COLORS[b.id] ?? '#555'}" rx="2"/>`);
    out.push(`<text x="${LABEL_W + w + 6}" y="${by + BAR_H * 0.7}" class="value">${esc(value)}</text>`);
  });
  const axisY = TITLE_H + p.bars.length * (BAR_H + BAR_GAP) - BAR_GAP / 2;
  out.push(`<line x1="${LABEL_W}" y1="${TITLE_H - 4}" x2="${LABEL_W}" y2="${axisY}" class="axis"/>`);
  out.push('</g>');
  return out.join('\n');
}

export function renderChart({ title, panels }) {
  const bars = Math.max(...panels.map((p) => p.bars.length));
  const panelH = TITLE_H + bars * (BAR_H + BAR_GAP) + PAD;
  const cols = 2;
  const rows = Math.ceil(panels.length / cols);
  const width = cols * PANEL_W + PAD * 3;
  const height = 60 + rows * panelH + 30;
  const body = panels.map((p, i) => panel(p, PAD + (i % cols) * (PANEL_W + PAD), 60 + Math.floor(i / cols) * panelH));
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, Arial, sans-serif">
<style>
.title { font-size: 14px; font-weight: bold; fill: #111; }
.label { font-size: 13px; fill: #333; text-anchor: end; }
.label.ours { font-weight: bold; fill: ${COLORS.ours}; }
.value { font-size: 12px; fill: #111; }
.axis { stroke: #888; stroke-width: 1; }
.heading { font-size: 18px; font-weight: bold; fill: #111; }
.foot { font-size: 11px; fill: #555; }
</style>
<rect width="100%" height="100%" fill="#fff"/>
<text x="${PAD}" y="34" class="heading">${esc(title)}</text>
${body.join('\n')}
<text x="${PAD}" y="${height - 12}" class="foot">Lower is better in every panel. Each panel has its own linear scale from 0. Details and min–max: report.md.</text>
</svg>
`;
}
