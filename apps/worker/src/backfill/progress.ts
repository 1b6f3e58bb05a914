/** Reports a long run: a bar per object type on a terminal, periodic plain lines otherwise. */
export interface Progress {
  start(name: string, total: number | undefined, done: number): void;
  advance(name: string, count: number, total?: number): void;
  finish(name: string, note?: string): void;
}

const fmt = new Intl.NumberFormat('en-US');

function eta(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  if (seconds < 60) return `${Math.ceil(seconds)}s`;
  return `${Math.floor(seconds / 60)}m${String(Math.ceil(seconds % 60)).padStart(2, '0')}s`;
}

interface Line {
  lastText?: string;
  total: number | undefined;
  done: number;
  startedDone: number;
  startedAt: number;
  lastPrint: number;
}

/**
 * `tty`: redraws one line per type with a bar, count, total, rate and ETA. Otherwise prints a line at
 * most every `intervalMs`, and one when a type finishes.
 */
export function createProgress(
  stream: NodeJS.WriteStream | { write(s: string): unknown; isTTY?: boolean },
  intervalMs = 5000,
): Progress {
  const lines = new Map<string, Line>();
  const tty = Boolean(stream.isTTY);
  const render = (name: string, line: Line): string => {
    const seconds = (Date.now() - line.startedAt) / 1000;
    const rate = seconds > 0 ? (line.done - line.startedDone) / seconds : 0;
    const total = line.total ?? 0;
    const share = total > 0 ? Math.min(1, line.done / total) : 0;
    const left = total > 0 && rate > 0 ? (total - line.done) / rate : Number.NaN;
    const counts = `${fmt.format(line.done)}${line.total === undefined ? '' : `/${fmt.format(total)}`}`;
    const tail = `${counts} ${fmt.format(Math.round(rate))}/s ETA ${eta(left)}`;
    if (!tty) return `${name}: ${tail}${total > 0 ? ` (${Math.round(share * 100)}%)` : ''}`;
    const width = 24;
    const filled = Math.round(share * width);
    return `${name.padEnd(13)} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${tail}`;
  };
  return {
    start(name, total, done) {
      const line = { total, done, startedDone: done, startedAt: Date.now(), lastPrint: 0 };
      lines.set(name, line);
      if (tty) stream.write(`${render(name, line)}`);
    },
    advance(name, count, total) {
      const line = lines.get(name);
      if (!line) return;
      line.done += count;
      if (total !== undefined) line.total = total;
      const now = Date.now();
      if (tty) stream.write(`\r\x1b[2K${render(name, line)}`);
      else if (now - line.lastPrint >= intervalMs) {
        line.lastPrint = now;
        line.lastText = render(name, line);
        stream.write(`${line.lastText}\n`);
      }
    },
    finish(name, note) {
      const line = lines.get(name);
      if (!line) return;
      const text = `${render(name, line)}${note ? ` — ${note}` : ''}`;
      if (tty) stream.write(`\r\x1b[2K${text}\n`);
      else if (text !== line.lastText) stream.write(`${text}\n`);
    },
  };
}

/** For library callers and tests that want no output. */
export const silentProgress: Progress = { start() {}, advance() {}, finish() {} };
