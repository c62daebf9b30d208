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
