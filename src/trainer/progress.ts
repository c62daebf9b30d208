// One concise progress line per step; a redrawn bar on a terminal.
export type ProgressMode = 'auto' | 'bar' | 'lines' | 'none';

export class Progress {
  private readonly mode: 'bar' | 'lines' | 'none';
  private readonly start = Date.now();

  constructor(
    private readonly total: number,
    mode: ProgressMode,
    private readonly out: NodeJS.WriteStream = process.stderr,
  ) {
    this.mode = mode === 'auto' ? (out.isTTY ? 'bar' : 'lines') : mode;
  }

  update(step: number, fields: Record<string, string>): void {
    if (this.mode === 'none') return;
    const elapsed = (Date.now() - this.start) / 1000;
    const text = Object.entries(fields).map(([k, v]) => `${k} ${v}`).join(' | ');
    if (this.mode === 'lines') {
      this.out.write(`step ${step}/${this.total} | ${text} | ${elapsed.toFixed(0)}s\n`);
      return;
    }
    const width = 20;
    const done = Math.round((width * step) / this.total);
    const bar = '█'.repeat(done) + '░'.repeat(width - done);
    const cols = this.out.columns ?? 120;
    this.out.write(`\r\x1b[K${`${bar} ${step}/${this.total} ${text} ${elapsed.toFixed(0)}s`.slice(0, cols - 1)}`);
  }

  /** Print a message without garbling the bar. */
  log(msg: string): void {
    if (this.mode === 'bar') this.out.write('\r\x1b[K');
    this.out.write(msg + '\n');
  }

  end(): void {
    if (this.mode === 'bar') this.out.write('\n');
  }
}
