/**
 * C0 controls (U+0000–U+001F), DEL and C1 controls (U+0080–U+009F): the characters a terminal acts
 * on. A user or organization name, an id or a failure reason comes from Clerk or from the database,
 * and printed raw, `\x1b]0;…\x07` retitles the operator's window, `\x1b[2J` clears it, and `\r` or
 * `\n` forge lines of the report. C1 matters on its own: `\x9b` is a one-byte CSI, and neither
 * `JSON.stringify` nor most escaping helpers touch it. Also the bidirectional overrides and isolates
 * (U+202A–U+202E, U+2066–U+2069) and the line and paragraph separators (U+2028, U+2029): not
 * controls to a terminal, but they reorder or break how the rest of a line reads.
 */
const CONTROL = /[\p{Cc}\u202A-\u202E\u2066-\u2069\u2028\u2029]/gu;

/** Removes every control character; a CLI adds its own newlines and tabs around the data. */
export function stripControl(text: string): string {
  return text.replace(CONTROL, '');
}

/**
 * A template tag for a line of CLI output: the literal parts are the CLI's own (tabs and newlines
 * kept), every interpolated value is data and loses its control characters.
 *
 * @example console.log(safe`skipped ${type} ${id}: ${reason}`);
 */
export function safe(strings: TemplateStringsArray, ...values: unknown[]): string {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) out += stripControl(String(values[i])) + (strings[i + 1] ?? '');
  return out;
}

/**
 * A copy of a value read from the database or from Clerk with every string (keys too) stripped, for
 * output built by code that does not know which fields are data, such as a report renderer or JSON.
 */
export function safeDeep<T>(value: T): T {
  if (typeof value === 'string') return stripControl(value) as T;
  if (Array.isArray(value)) return value.map(safeDeep) as T;
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [stripControl(k), safeDeep(v)])) as T;
  }
  return value;
}

/**
 * An error message for the operator: the lines of a message this CLI composed (a configuration
 * error lists one problem per line) are kept; any other message is data and comes out as one line.
 */
export function safeMessage(message: string, keepLines: boolean): string {
  return message
    .split(/\r?\n/)
    .map(stripControl)
    .join(keepLines ? '\n' : ' ');
}
