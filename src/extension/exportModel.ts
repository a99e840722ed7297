/**
 * "ModelYAML: Export Model…": pick a run (or get one from the run-end notification), pick a
 * format, and the bundled CLI (`node dist/cli.js export …`) writes it. The extension spawns the CLI
 * rather than importing src/export, so protobufjs and onnxruntime stay out of its bundle and the
 * export runs in its own process. When it is done: the sizes (and for ONNX the accuracy beside the
 * trainer's) from export.json, with "Open Folder" and "Open Model Card".
 *
 * package.json (contributes) needs: commands: modelyaml.exportModel ("Export Model…", category "ModelYAML", icon $(package)).
 */
import { fork } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { listRuns, runLabel } from '../node/runFolders';
import type { VscodeApi } from './panels/host';

export const EXPORT_MODEL_COMMAND = 'modelyaml.exportModel';
export const EXPORT_MODEL = 'Export Model…';
export const OPEN_FOLDER = 'Open Folder';
export const OPEN_MODEL_CARD = 'Open Model Card';

export interface ExportChoice {
  label: string;
  format: 'onnx' | 'tfjs';
  quantize?: 'float16' | 'int8' | 'uint8';
}

export const EXPORT_CHOICES: readonly ExportChoice[] = [
  { label: 'ONNX', format: 'onnx' },
  { label: 'ONNX float16', format: 'onnx', quantize: 'float16' },
  { label: 'ONNX int8', format: 'onnx', quantize: 'int8' },
  { label: 'TF.js', format: 'tfjs' },
  { label: 'TF.js float16', format: 'tfjs', quantize: 'float16' },
  { label: 'TF.js uint8', format: 'tfjs', quantize: 'uint8' },
];

export interface ExportDeps {
  api: VscodeApi;
  /** The bundled CLI (`<extension>/dist/cli.js`). */
  cliPath: string;
  runsRoots: () => string[];
}

/** What export.json says, the part shown. */
interface ExportDoc {
  format: 'onnx' | 'tfjs';
  file: string;
  bytes: number;
  float32Bytes: number;
  metric?: string;
  trainer?: number;
  exported?: { value: number };
  split?: string;
  note?: string;
}

export interface ExportDone {
  folder: string;
  doc: ExportDoc;
  summary: string;
}

/** The CLI arguments and the folder a choice writes: `<run>/export/<onnx|tfjs>[-quantize]/`. */
export function exportArgs(runDir: string, c: ExportChoice): { folder: string; args: string[] } {
  const folder = join(runDir, 'export', c.quantize ? `${c.format}-${c.quantize}` : c.format);
  const out = c.format === 'onnx' ? join(folder, 'model.onnx') : folder;
  return { folder, args: ['export', runDir, '--format', c.format, '--out', out, ...(c.quantize ? ['--quantize', c.quantize] : [])] };
}

const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;

/** One line of sizes and scores: `model.onnx 12.0 KiB (float32 40.1 KiB) · test accuracy 0.9500 (trainer 0.9500)`. */
export function exportSummary(d: ExportDoc): string {
  const size = `${basename(d.file)} ${kb(d.bytes)}${d.bytes !== d.float32Bytes ? ` (float32 ${kb(d.float32Bytes)})` : ''}`;
  const score = d.metric && d.exported ? ` · ${d.split ?? ''} ${d.metric} ${d.exported.value.toFixed(4)}${d.trainer === undefined ? '' : ` (trainer ${d.trainer.toFixed(4)})`}` : '';
  return size + score;
}

/** Runs the CLI in its own Node process; its exit code and what it wrote to stderr. */
export function runCli(cliPath: string, args: string[]): Promise<{ code: number | null; err: string }> {
  const child = fork(cliPath, args, { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], execArgv: [], env: { ...process.env, NO_COLOR: '1' } });
  const err: Buffer[] = [];
  child.stdout?.resume();
  child.stderr?.on('data', (b: Buffer) => err.push(b));
  return new Promise((done) => {
    child.on('error', (e) => done({ code: null, err: e.message }));
    child.on('close', (code) => done({ code, err: Buffer.concat(err).toString('utf8') }));
  });
}

export async function pickRun(d: ExportDeps): Promise<string | undefined> {
  const runs = d
    .runsRoots()
    .flatMap((r) => listRuns(r))
    .filter((f) => f.record?.status !== 'running' && ['checkpoints/best', 'checkpoints/last', 'model'].some((m) => existsSync(join(f.dir, m, 'model.json'))))
    .sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  if (!runs.length) {
    void d.api.window.showInformationMessage('No trained run to export: train a spec first.');
    return undefined;
  }
  const picked = await d.api.window.showQuickPick(
    runs.map((f) => ({ label: runLabel(f.record?.specName ?? f.group, f.startedAt), description: f.record?.status, detail: f.dir, runDir: f.dir })),
    { title: 'Export Model', placeHolder: 'Which run to export?', matchOnDetail: true },
  );
  return picked?.runDir;
}

/** The command: `arg` is `{ runDir }` (the run-end notification) or nothing (the palette). */
export async function exportModelCommand(d: ExportDeps, arg?: unknown): Promise<ExportDone | undefined> {
  const { api } = d;
  const given = (arg as { runDir?: unknown } | undefined)?.runDir;
  const runDir = typeof given === 'string' ? given : await pickRun(d);
  if (!runDir) return undefined;
  const choice = await api.window.showQuickPick(
    EXPORT_CHOICES.map((c) => ({ ...c })),
    { title: `Export ${basename(runDir)}`, placeHolder: 'Which format?' },
  );
  if (!choice) return undefined;
  if (!existsSync(d.cliPath)) {
    void api.window.showErrorMessage(`Export needs the ModelYAML CLI (${d.cliPath}), which this installation lacks: run \`npx modelyaml export ${runDir} --format ${choice.format}\` in a terminal.`);
    return undefined;
  }
  const { folder, args } = exportArgs(runDir, choice);
  const r = await api.window.withProgress({ location: api.ProgressLocation.Notification, title: `Exporting ${basename(runDir)} as ${choice.label}…` }, () => runCli(d.cliPath, args));
  const jsonFile = join(folder, 'export.json');
  if (r.code !== 0 || !existsSync(jsonFile)) {
    const said = r.err.trim().split('\n').filter(Boolean).pop() ?? `the CLI exited with ${r.code}`;
    void api.window.showErrorMessage(`Export failed: ${said.replace(/^modelyaml export: /, '')}`);
    return undefined;
  }
  const doc = JSON.parse(readFileSync(jsonFile, 'utf8')) as ExportDoc;
  const summary = exportSummary(doc);
  void api.window.showInformationMessage(`Exported ${choice.label}: ${summary}`, OPEN_FOLDER, OPEN_MODEL_CARD).then((action) => {
    if (action === OPEN_FOLDER) return api.commands.executeCommand('revealFileInOS', api.Uri.file(doc.file));
    if (action === OPEN_MODEL_CARD) return api.commands.executeCommand('markdown.showPreview', api.Uri.file(join(dirname(doc.file), 'MODEL_CARD.md')));
    return undefined;
  });
  return { folder, doc, summary };
}
