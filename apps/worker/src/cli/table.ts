import { stripControl } from './safe-text.js';

/**
 * Prints rows as aligned columns: the first column left-aligned, the others right-aligned. Cells are
 * data, so they lose their control characters (which would also break the alignment).
 */
export function printTable(rows: ReadonlyArray<ReadonlyArray<string | number>>): void {
  const cells = rows.map((r) => r.map((c) => stripControl(String(c))));
  const widths = cells[0]?.map((_, i) => Math.max(...cells.map((r) => r[i]?.length ?? 0))) ?? [];
  for (const r of cells) {
    console.log(
      r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  '),
    );
  }
}
