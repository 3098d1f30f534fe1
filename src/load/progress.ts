/**
 * A small progress bar for long load runs, written to stderr so stdout stays clean for the results.
 * On a terminal it redraws one line in place (\r); elsewhere (CI logs, pipes) it writes a line
 * each time another 10 % of the requests is done.
 */

export interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

export interface ProgressBar {
  update(done: number, total: number): void;
  /** Ends the in-place line (TTY); call once after the run. */
  finish(): void;
}

export interface ProgressBarOptions {
  readonly stream?: ProgressStream;
  /** Width of the bar in characters on a terminal; default 30. */
  readonly width?: number;
  readonly label?: string;
}

function percentOf(done: number, total: number): number {
  return total <= 0 ? 100 : Math.min(100, Math.floor((done / total) * 100));
}

export function renderProgressLine(done: number, total: number, width: number, label: string): string {
  const percent = percentOf(done, total);
  const filled = Math.round((percent / 100) * width);
  const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
  return `${label} [${bar}] ${done}/${total} ${percent}%`;
}

function createTerminalBar(stream: ProgressStream, width: number, label: string): ProgressBar {
  let lastLine = '';
  return {
    update(done, total) {
      const line = renderProgressLine(done, total, width, label);
      if (line === lastLine) return;
      lastLine = line;
      stream.write(`\r${line}`);
    },
    finish() {
      if (lastLine !== '') stream.write('\n');
    },
  };
}

function createLineBar(stream: ProgressStream, label: string): ProgressBar {
  let lastStep = 0;
  return {
    update(done, total) {
      const step = Math.floor(percentOf(done, total) / 10);
      if (step <= lastStep) return;
      lastStep = step;
      stream.write(`${label}: ${step * 10}% (${done}/${total})\n`);
    },
    finish() {},
  };
}

export function createProgressBar(options: ProgressBarOptions = {}): ProgressBar {
  const stream = options.stream ?? process.stderr;
  const label = options.label ?? 'requests';
  return stream.isTTY === true ? createTerminalBar(stream, options.width ?? 30, label) : createLineBar(stream, label);
}
