// One colour per configuration, by its position in the group, so a configuration keeps its colour in every plot.
// Okabe–Ito (readable with the common colour-vision deficiencies), then darker extras for big grids.
export const PALETTE = [
  '#0072B2', // blue
  '#D55E00', // vermillion
  '#009E73', // bluish green
  '#CC79A7', // reddish purple
  '#E69F00', // orange
  '#56B4E9', // sky blue
  '#000000', // black
  '#8C564B', // brown
  '#7F7F7F', // grey
  '#BCBD22', // olive
] as const;

export function colorFor(index: number): string {
  return PALETTE[index % PALETTE.length]!;
}

/** Dash patterns and marker shapes by position too: lines that coincide (same data) stay distinguishable. */
export const DASHES = ['', '8 4', '2 3', '10 3 2 3', '5 2'] as const;
export const MARKERS = ['circle', 'square', 'triangle', 'diamond'] as const;

export function styleFor(index: number): { color: string; dash: string; marker: (typeof MARKERS)[number] } {
  return { color: colorFor(index), dash: DASHES[index % DASHES.length]!, marker: MARKERS[index % MARKERS.length]! };
}
