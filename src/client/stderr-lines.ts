/** Splits FCGI_STDERR bytes into lines (UTF-8, a line may straddle records). */
export class LineSplitter {
  readonly #decoder = new TextDecoder();
  #partial = '';

  constructor(private readonly onLine: (line: string) => void) {}

  push(bytes: Uint8Array): void {
    const text = this.#partial + this.#decoder.decode(bytes, { stream: true });
    const lines = text.split('\n');
    this.#partial = lines.pop() ?? '';
    for (const line of lines) this.onLine(line.endsWith('\r') ? line.slice(0, -1) : line);
  }

  /** Hands on a last line that had no newline. */
  end(): void {
    const rest = this.#partial + this.#decoder.decode();
    this.#partial = '';
    if (rest !== '') this.onLine(rest);
  }
}
