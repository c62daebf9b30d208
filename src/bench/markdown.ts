// report.md: the Table 7-shaped tables per group, the plots as image links, and the per-run appendix.
import type { GroupReport } from './group_report.js';
import { configTable, DEFINITIONS, describePlan, paperTable, runTable, type Table } from './tables.js';

function cell(s: string): string {
  return s.replace(/\|/g, '\\|');
}

export function markdownTable(t: Table): string {
  const lines = [
    `| ${t.header.map(cell).join(' | ')} |`,
    `|${t.numeric.map((n) => (n ? '---:' : ':---')).join('|')}|`,
    ...t.rows.map((r) => `| ${r.cells.map((c, i) => (r.bold[i] && c !== '–' ? `**${cell(c)}**` : cell(c))).join(' | ')} |`),
  ];
  return lines.join('\n');
}

export function renderMarkdown(title: string, groups: GroupReport[], generatedAt?: string): string {
  const out: string[] = [`# ${title}`, ''];
  if (generatedAt) out.push(`Generated ${generatedAt}.`, '');
  out.push('How to read the tables:', '', ...DEFINITIONS.map((d) => `- ${d}`), '');
  for (const g of groups) {
    out.push(`## ${g.plan.title}`, '');
    if (g.plan.description) out.push(g.plan.description.trim(), '');
    out.push(...describePlan(g).map((l) => `- ${l}`), '');
    out.push(markdownTable(configTable(g)), '');
    const paper = paperTable(g);
    if (paper) {
      out.push("The paper's Table 7 for this group (different model, data and scale: compare the shape, not the numbers):", '');
      out.push(markdownTable(paper), '');
    }
    for (const p of g.plots) out.push(`![${p.title}](${p.file})`, '');
  }
  out.push('## Runs', '');
  for (const g of groups) {
    out.push(`### ${g.plan.title}`, '');
    out.push(g.runs.length ? markdownTable(runTable(g)) : '_no run has written metrics yet_', '');
  }
  return out.join('\n');
}
