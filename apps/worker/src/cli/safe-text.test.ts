import { describe, expect, it } from 'vitest';
import { safe, safeDeep, safeMessage, stripControl } from './safe-text.js';

const controls = [
  ...Array.from({ length: 0x20 }, (_, i) => String.fromCharCode(i)),
  '\x7f',
  ...Array.from({ length: 0x20 }, (_, i) => String.fromCharCode(0x80 + i)),
];

describe('CLI output sanitising', () => {
  it('removes every C0 and C1 control character and DEL', () => {
    expect(controls).toHaveLength(65);
    expect(stripControl(`a${controls.join('')}b`)).toBe('ab');
    for (const c of controls) expect(stripControl(`x${c}y`), `U+${c.charCodeAt(0).toString(16)}`).toBe('xy');
  });

  it('defuses the escape sequences a hostile name could carry', () => {
    const name = 'Acme\x1b]0;owned\x07\x1b[2J\x1b[1A\r\x9b31mInc\x1bP+q\x1b\\';
    expect(stripControl(name)).toBe('Acme]0;owned[2J[1A31mIncP+q\\');
  });

  it('removes bidirectional overrides and isolates, and line and paragraph separators', () => {
    const marks = ['\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069'];
    for (const c of [...marks, '\u2028', '\u2029']) expect(stripControl(`x${c}y`)).toBe('xy');
    // "user_1\u202Egpj.exe" would read as "user_1exe.jpg".
    expect(stripControl('user_1\u202egpj.exe')).toBe('user_1gpj.exe');
  });

  it('leaves printable text alone: accents, other scripts, emoji, the chart bars', () => {
    const text = 'Zoë Ørsted — 東京 مرحبا 👩‍💻 █▏ 50% [ok] ~';
    expect(stripControl(text)).toBe(text);
  });

  it("keeps the template's own tabs and newlines and strips only the interpolated data", () => {
    const id = 'user_1\tforged\ncolumn';
    expect(safe`users\tmissing\t${id}\n`).toBe('users\tmissing\tuser_1forgedcolumn\n');
    expect(safe`${42} of ${null}`).toBe('42 of null');
  });

  it('strips strings at any depth, keys included, and leaves other values as they are', () => {
    const when = new Date(0);
    const report = {
      totals: { users: 3 },
      largest: [{ name: 'Evil\x1b[31m', members: 2, since: when, note: null }],
      'key\x9b': 'v\x00',
    };
    const clean = safeDeep(report);
    expect(clean).toEqual({
      totals: { users: 3 },
      largest: [{ name: 'Evil[31m', members: 2, since: when, note: null }],
      key: 'v',
    });
    expect(report.largest[0]?.name).toBe('Evil\x1b[31m');
  });

  it('keeps the lines of a message the CLI composed, and makes any other message one line', () => {
    const composed = 'invalid worker configuration:\n  DB_SCHEMA: got "\x9bx"';
    expect(safeMessage(composed, true)).toBe('invalid worker configuration:\n  DB_SCHEMA: got "x"');
    expect(safeMessage('duplicate key (name)=(a\r\nstats done\x1b[0m)', false)).toBe(
      'duplicate key (name)=(a stats done[0m)',
    );
  });
});
