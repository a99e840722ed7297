/**
 * "ModelYAML: Export Model…" on a stand-in vscode API: a tiny real iris run (trained with the
 * built CLI, `node esbuild.mjs` first), exported through the command, which spawns dist/cli.js:
 * the run and format picks, the progress notification, the sizes and accuracy from export.json,
 * "Open Model Card", and a failed export's message.
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { EXPORT_CHOICES, exportModelCommand, OPEN_FOLDER, OPEN_MODEL_CARD } from '../../src/extension/exportModel';
import { irisSpec } from '../trainer/helpers';
import { CLI, runCli } from '../cli/run';
import { fakeVscode, type FakeVscode } from './fakeVscode';

let runsRoot: string;
let runDir: string;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'modelyaml-export-cmd-'));
  writeFileSync(join(dir, 'iris.model.yaml'), irisSpec({ name: 'iris-export-cmd', seed: 7, test: 0.2, epochs: 2 }));
  runsRoot = join(dir, 'runs');
  const r = await runCli(['train', join(dir, 'iris.model.yaml'), '--out', runsRoot]);
  expect(r.code, r.err).toBe(0);
  const [name] = readdirSync(runsRoot);
  const [time] = readdirSync(join(runsRoot, name));
  runDir = join(runsRoot, name, time);
}, 300_000);

/** The stand-in, picking the one run offered and then the format labelled `format`. */
function host(format: string, roots = () => [runsRoot]): { vs: FakeVscode; deps: Parameters<typeof exportModelCommand>[0]; picks: string[][] } {
  const vs = fakeVscode({ origin: 'vscode-webview://export' });
  const picks: string[][] = [];
  vs.pick = (items) => {
    picks.push(items.map((i) => i.label));
    return items.find((i) => i.label === format) ?? (items.length === 1 ? items[0] : undefined);
  };
  return { vs, picks, deps: { api: vs.api, cliPath: CLI, runsRoots: roots } };
}

describe('Export Model… command', () => {
  it('from the palette: picks the run and TF.js uint8, shows progress, then the sizes and opens the model card', async () => {
    const { vs, deps, picks } = host('TF.js uint8');
    const preview = new Promise<string>((done) => vs.api.commands.registerCommand('markdown.showPreview', (uri: { fsPath: string }) => done(uri.fsPath)));
    vs.answer = (m) => (m.level === 'info' ? OPEN_MODEL_CARD : undefined);
    const done = await exportModelCommand(deps);
    expect(picks[0]).toHaveLength(1);
    expect(picks[1]).toEqual(EXPORT_CHOICES.map((c) => c.label));
    expect(vs.progress).toEqual([`Exporting ${basename(runDir)} as TF.js uint8…`]);
    expect(done?.folder).toBe(join(runDir, 'export', 'tfjs-uint8'));
    expect(readdirSync(done!.folder)).toEqual(expect.arrayContaining(['model.json', 'MODEL_CARD.md', 'export.json', 'index.html']));
    const info = vs.messages.find((m) => m.level === 'info')!;
    expect(info.text).toMatch(/^Exported TF\.js uint8: model\.json \d+\.\d KiB \(float32 \d+\.\d KiB\)$/);
    expect(info.items).toEqual([OPEN_FOLDER, OPEN_MODEL_CARD]);
    expect(await preview).toBe(join(done!.folder, 'MODEL_CARD.md'));
  }, 300_000);

  it('from the run-end notification ({ runDir }): ONNX int8 with its accuracy beside the trainer’s', async () => {
    const { vs, deps, picks } = host('ONNX int8', () => []);
    const done = await exportModelCommand(deps, { runDir });
    expect(picks).toHaveLength(1);
    const doc = JSON.parse(readFileSync(join(runDir, 'export', 'onnx-int8', 'export.json'), 'utf8'));
    expect(doc).toMatchObject({ format: 'onnx', quantize: 'int8' });
    expect(existsSync(join(runDir, 'export', 'onnx-int8', 'MODEL_CARD.md'))).toBe(true);
    expect(done?.doc.file).toBe(join(runDir, 'export', 'onnx-int8', 'model.onnx'));
    expect(vs.messages.find((m) => m.level === 'info')?.text).toMatch(new RegExp(`^Exported ONNX int8: model\\.onnx [\\d.]+ KiB \\(float32 [\\d.]+ KiB\\) · ${doc.split} accuracy ${doc.exported.value.toFixed(4)} \\(trainer ${doc.trainer.toFixed(4)}\\)$`));
  }, 300_000);

  it('a run that cannot be exported: the CLI’s message, no stack trace', async () => {
    const copy = join(mkdtempSync(join(tmpdir(), 'modelyaml-export-cmd-copy-')), 'run');
    cpSync(runDir, copy, { recursive: true });
    for (const d of ['checkpoints', 'model']) rmSync(join(copy, d), { recursive: true, force: true });
    const { vs, deps } = host('TF.js');
    expect(await exportModelCommand(deps, { runDir: copy })).toBeUndefined();
    const error = vs.messages.find((m) => m.level === 'error')!;
    expect(error.text).toMatch(/^Export failed: .*holds no model \(checkpoints\/best, checkpoints\/last or model\/ with a model\.json\)/);
    expect(error.text).not.toMatch(/\n\s+at /);
  }, 120_000);
});
