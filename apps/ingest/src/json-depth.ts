/**
 * The deepest nesting a webhook body may have. Clerk's examples reach 9 levels; metadata set by an
 * app adds a few more. Far deeper input makes `JSON.stringify` overflow the stack when the job is
 * written (about 8,000 levels), so it is refused at the edge instead.
 */
export const MAX_JSON_DEPTH = 64;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/**
 * True when the JSON text in `bytes` nests objects and arrays deeper than `max`. One pass over the
 * bytes, without parsing; brackets inside strings do not count. It stops at the first level past
 * `max`, so a hostile body costs at most one scan.
 */
export function exceedsJsonDepth(bytes: Uint8Array, max: number = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b === QUOTE) i = endOfString(bytes, i);
    else if (b === OPEN_BRACE || b === OPEN_BRACKET) {
      if (++depth > max) return true;
    } else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) depth--;
  }
  return false;
}

/** The index of the quote closing the string opened at `open`; strings are skipped with a native search. */
function endOfString(bytes: Uint8Array, open: number): number {
  let quote = bytes.indexOf(QUOTE, open + 1);
  while (quote !== -1) {
    let backslashes = 0;
    while (bytes[quote - 1 - backslashes] === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return quote;
    quote = bytes.indexOf(QUOTE, quote + 1);
  }
  return bytes.length;
}
