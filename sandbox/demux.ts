// Splits Docker's multiplexed attach stream (8-byte frame headers, Tty off) into stdout lines and
// a capped stderr tail, without buffering whole outputs.
export class DockerStreamDemuxer {
  private pending: Buffer = Buffer.alloc(0);
  private lineParts: string[] = [];
  private stderrTail = '';
  /** Total stdout bytes seen; the harness bounds it, this is only for diagnostics. */
  stdoutBytes = 0;

  constructor(private readonly onLine: (line: string) => void, private readonly stderrCap = 8192) {}

  push(chunk: Buffer): void {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    while (this.pending.length >= 8) {
      const kind = this.pending[0];
      const size = this.pending.readUInt32BE(4);
      if (this.pending.length < 8 + size) break;
      const payload = this.pending.subarray(8, 8 + size);
      this.pending = this.pending.subarray(8 + size);
      if (kind === 1) this.stdout(payload);
      else if (kind === 2) this.stderrTail = (this.stderrTail + payload.toString('utf8')).slice(-this.stderrCap);
    }
  }

  // The harness writes json.dumps output (ASCII only), so frames never split a character.
  private stdout(payload: Buffer): void {
    this.stdoutBytes += payload.length;
    let text = payload.toString('latin1');
    let nl: number;
    // Only the new text is scanned: a multi-megabyte line arriving in many frames stays linear.
    while ((nl = text.indexOf('\n')) >= 0) {
      this.lineParts.push(text.slice(0, nl));
      this.onLine(this.lineParts.join(''));
      this.lineParts = [];
      text = text.slice(nl + 1);
    }
    if (text) this.lineParts.push(text);
  }

  /** Flushes a last line without a newline. */
  end(): void {
    if (this.lineParts.length) this.onLine(this.lineParts.join(''));
    this.lineParts = [];
  }

  get stderr(): string {
    return this.stderrTail;
  }
}
