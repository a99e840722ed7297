/** Specs as the CLI reads them, and their diagnostics as it prints them: `file:line:col: error[code]: message`, the line, and a caret under the range. */
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { analyze, type Analysis } from '../core/analyze';
import type { Diagnostic, LineIndex } from '../core/diagnostics';
import { fileDataHost } from '../node/dataHost';

const color = process.stdout.isTTY && !process.env.NO_COLOR;
export const paint = (code: string, s: string) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);

export function formatDiagnostic(file: string, a: { text: string; lines: LineIndex }, d: Diagnostic): string {
  const p = a.lines.position(d.range.start);
  const sev = d.severity === 'error' ? paint('31', 'error') : d.severity === 'warning' ? paint('33', 'warning') : paint('36', d.severity);
  const where = paint('1', `${file}:${p.line + 1}:${p.character + 1}`);
  const lineText = a.text.split('\n', p.line + 1)[p.line] ?? '';
  const width = Math.max(1, Math.min(d.range.end, a.lines.offset(p.line + 1, 0) - 1) - d.range.start);
  const gutter = String(p.line + 1);
  return (
    `${where}: ${sev}[${d.code}]: ${d.message}\n` +
    `  ${paint('2', gutter + ' |')} ${lineText}\n` +
    `  ${' '.repeat(gutter.length)}${paint('2', ' |')} ${' '.repeat(p.character)}${paint(d.severity === 'error' ? '31' : '33', '^'.repeat(width))}\n`
  );
}


/** Reads and analyses a spec; says why on `err` and returns undefined when it cannot be read. */
export function loadSpec(file: string, io: { err(s: string): void }): Analysis | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    io.err(`${file}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
    return undefined;
  }
  return analyze(text, { host: fileDataHost(dirname(file)) });
}
