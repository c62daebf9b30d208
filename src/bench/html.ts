// report.html: one self-contained page (inline CSS and SVG, no script, no network) with tables and plots.
import { colorFor } from './colors.js';
import { escapeXml } from './svg.js';
import type { GroupReport } from './group_report.js';
import { configTable, DEFINITIONS, describePlan, paperTable, runTable, type Table } from './tables.js';

const CSS = `
body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; margin: 24px auto; max-width: 1500px; color: #111; padding: 0 16px; }
h1 { font-size: 26px; margin-bottom: 4px; }
h2 { font-size: 21px; margin-top: 36px; border-bottom: 1px solid #ccc; padding-bottom: 4px; }
h3 { font-size: 16px; }
table { border-collapse: collapse; margin: 12px 0 16px; font-size: 14px; }
th, td { border: 1px solid #d0d0d0; padding: 5px 10px; }
th { background: #f2f2f2; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.best { font-weight: bold; }
.swatch { display: inline-block; width: 12px; height: 12px; margin-right: 6px; vertical-align: -1px; border-radius: 2px; }
.plots { display: flex; flex-wrap: wrap; gap: 16px; }
.plots figure { margin: 0; border: 1px solid #e4e4e4; }
.meta, .defs { color: #444; font-size: 14px; }
.paper { color: #555; }
`;

function htmlTable(t: Table, opts: { rowColors?: string[]; className?: string } = {}): string {
  const head = `<tr>${t.header.map((h) => `<th>${escapeXml(h)}</th>`).join('')}</tr>`;
  const body = t.rows
    .map((r, row) => {
      const tds = r.cells.map((c, i) => {
        const cls = [t.numeric[i] ? 'num' : '', r.bold[i] ? 'best' : ''].filter(Boolean).join(' ');
        const color = i === 0 ? opts.rowColors?.[row] : undefined;
        const swatch = color ? `<span class="swatch" style="background:${color}"></span>` : '';
        return `<td${cls ? ` class="${cls}"` : ''}>${swatch}${escapeXml(c)}</td>`;
      });
      return `<tr>${tds.join('')}</tr>`;
    })
    .join('\n');
  return `<table${opts.className ? ` class="${opts.className}"` : ''}>\n${head}\n${body}\n</table>`;
}

export function renderHtml(title: string, groups: GroupReport[], generatedAt?: string): string {
  const out: string[] = [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<title>${escapeXml(title)}</title>`,
    `<style>${CSS}</style>`,
    '</head>',
    '<body>',
    `<h1>${escapeXml(title)}</h1>`,
  ];
  if (generatedAt) out.push(`<p class="meta">Generated ${escapeXml(generatedAt)}.</p>`);
  out.push(`<ul class="defs">${DEFINITIONS.map((d) => `<li>${escapeXml(d)}</li>`).join('')}</ul>`);
  for (const g of groups) {
    // The same colour as the configuration's line in every plot.
    const rowColors = g.configurations.map((c) => colorFor(g.plan.configurations.findIndex((p) => p.label === c.label)));
    out.push(`<section class="group" data-group="${escapeXml(g.plan.group)}">`);
    out.push(`<h2>${escapeXml(g.plan.title)}</h2>`);
    if (g.plan.description) out.push(`<p>${escapeXml(g.plan.description.trim())}</p>`);
    out.push(`<ul class="meta">${describePlan(g).map((l) => `<li>${escapeXml(l)}</li>`).join('')}</ul>`);
    out.push(htmlTable(configTable(g), { rowColors, className: 'results' }));
    const paper = paperTable(g);
    if (paper) {
      out.push(`<p class="paper">The paper's Table 7 for this group (different model, data and scale: compare the shape, not the numbers):</p>`);
      out.push(htmlTable(paper, { className: 'paper' }));
    }
    out.push('<div class="plots">');
    for (const p of g.plots) out.push(`<figure data-file="${escapeXml(p.file)}">\n${p.svg}\n</figure>`);
    out.push('</div>');
    out.push('</section>');
  }
  out.push('<h2>Runs</h2>');
  for (const g of groups) {
    out.push(`<h3>${escapeXml(g.plan.title)}</h3>`);
    out.push(g.runs.length ? htmlTable(runTable(g), { className: 'runs' }) : '<p><em>no run has written metrics yet</em></p>');
  }
  out.push('</body>', '</html>', '');
  return out.join('\n');
}
