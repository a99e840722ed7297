/**
 * How the engine is chosen (src/node/pythonDiscovery.ts, src/node/torchEngine.ts): the
 * interpreters in the Python extension's order, each asked once whether it imports torch, and what
 * `auto` and `pytorch` decide from that. The interpreters here are small shell scripts in fake
 * workspace, conda and PATH folders that answer the probe as a real one would.
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findTorch, probeTorch, pythonCandidates } from '../../src/node/pythonDiscovery';
import { resumableCheckpoint } from '../../src/node/runFolders';
import { decideEngine, requestedEngine, torchResumeDir } from '../../src/node/torchEngine';
import { tempDir } from '../trainer/helpers';

/** A fake interpreter answering the probe: with torch (and CUDA or not), or without; it counts its runs. */
function fakePython(path: string, answer: { torch?: string; cuda?: boolean }): string {
  mkdirSync(join(path, '..'), { recursive: true });
  const json = answer.torch
    ? JSON.stringify({ ok: true, torch: answer.torch, cuda: !!answer.cuda, cudaDevice: answer.cuda ? 'NVIDIA H100' : null, python: '3.12.0' })
    : JSON.stringify({ ok: false, error: "ModuleNotFoundError: No module named 'torch'", python: '3.12.0' });
  writeFileSync(path, `#!/bin/sh\necho run >> "${path}.runs"\necho '${json}'\n`);
  chmodSync(path, 0o755);
  return path;
}

const runsOf = (path: string) => readFileSync(`${path}.runs`, 'utf8').split('\n').filter(Boolean).length;

function folders() {
  const root = tempDir('modelyaml-engine-choice-');
  const workspace = join(root, 'ws');
  const conda = join(root, 'conda');
  const bin = join(root, 'bin');
  mkdirSync(workspace, { recursive: true });
  mkdirSync(bin, { recursive: true });
  return { root, workspace, conda, bin, environment: { PATH: bin, CONDA_PREFIX: conda } };
}

const spec = (workspace: string, device = 'auto') => {
  const file = join(workspace, 'm.model.yaml');
  writeFileSync(file, `version: 1\nname: m\ndata:\n  source: { dataset: iris }\nmodel:\n  input: [4]\n  layers:\n    - dense: { units: 3, activation: softmax }\ntrain:\n  loss: categorical_crossentropy\n  optimizer: adam\n  device: ${device}\n`);
  return file;
};

describe('Python discovery', () => {
  it('looks at the named interpreter, the workspace .venv then venv, $CONDA_PREFIX, then python3 and python on PATH', () => {
    const f = folders();
    const venv = fakePython(join(f.workspace, '.venv', 'bin', 'python'), {});
    const venv2 = fakePython(join(f.workspace, 'venv', 'bin', 'python'), {});
    const conda = fakePython(join(f.conda, 'bin', 'python'), {});
    const py3 = fakePython(join(f.bin, 'python3'), {});
    const py = fakePython(join(f.bin, 'python'), {});
    const named = join(f.root, 'named-python');
    expect(pythonCandidates({ explicit: named, workspace: f.workspace, environment: f.environment, platform: 'linux' })).toEqual([
      { path: named, source: 'setting' },
      { path: venv, source: '.venv' },
      { path: venv2, source: 'venv' },
      { path: conda, source: 'conda' },
      { path: py3, source: 'PATH' },
      { path: py, source: 'PATH' },
    ]);
  });

  it('leaves out folders that hold no interpreter', () => {
    const f = folders();
    const py3 = fakePython(join(f.bin, 'python3'), {});
    expect(pythonCandidates({ workspace: f.workspace, environment: f.environment, platform: 'linux' })).toEqual([{ path: py3, source: 'PATH' }]);
  });

  it('takes the first interpreter that imports torch, and asks each one once (cached on disk too)', async () => {
    const f = folders();
    const venv = fakePython(join(f.workspace, '.venv', 'bin', 'python'), {});
    const conda = fakePython(join(f.conda, 'bin', 'python'), { torch: '2.3.0', cuda: true });
    fakePython(join(f.bin, 'python3'), { torch: '1.13.1' });
    const cacheDir = join(f.workspace, '.modelyaml', 'torch');
    const first = await findTorch({ workspace: f.workspace, environment: f.environment, cacheDir });
    expect(first.found).toMatchObject({ python: conda, source: 'conda', probe: { ok: true, torch: '2.3.0', cuda: true } });
    expect(first.tried).toEqual([expect.stringMatching(/\.venv\/bin\/python \(\.venv\): ModuleNotFoundError/)]);
    await findTorch({ workspace: f.workspace, environment: f.environment, cacheDir });
    expect(runsOf(venv)).toBe(1);
    expect(runsOf(conda)).toBe(1);
    expect(Object.keys(JSON.parse(readFileSync(join(cacheDir, 'python-probe.json'), 'utf8')) as object).some((k) => k.startsWith(`${conda}|`))).toBe(true);
    // A changed interpreter (a new torch installed) is asked again.
    fakePython(conda, { torch: '2.4.0' });
    expect((await probeTorch(conda, cacheDir)).torch).toBe('2.4.0');
  });

  it('does not go past a named interpreter that lacks torch', async () => {
    const f = folders();
    const named = fakePython(join(f.root, 'mine', 'python'), {});
    fakePython(join(f.bin, 'python3'), { torch: '1.13.1' });
    const r = await findTorch({ explicit: named, workspace: f.workspace, environment: f.environment });
    expect(r.found).toBeUndefined();
    expect(r.tried).toHaveLength(1);
  });
});

describe('the engine decision', () => {
  it('is asked for by option, else MODELYAML_ENGINE, else auto', () => {
    expect(requestedEngine('pytorch')).toEqual({ engine: 'pytorch', why: 'pytorch (asked for)' });
    const saved = process.env.MODELYAML_ENGINE;
    try {
      process.env.MODELYAML_ENGINE = 'tfjs';
      expect(requestedEngine(undefined)).toEqual({ engine: 'tfjs', why: 'tfjs (MODELYAML_ENGINE)' });
      delete process.env.MODELYAML_ENGINE;
      expect(requestedEngine(undefined)).toEqual({ engine: 'auto', why: 'auto' });
    } finally {
      process.env.MODELYAML_ENGINE = saved;
    }
  });

  it('auto: PyTorch when torch is found, saying where and whether CUDA is there', async () => {
    const f = folders();
    const py = fakePython(join(f.workspace, '.venv', 'bin', 'python'), { torch: '2.3.0', cuda: true });
    const d = await decideEngine(spec(f.workspace), { workspace: f.workspace }, { engine: 'auto', why: 'auto' });
    expect(d).toMatchObject({ engine: 'pytorch', python: py, device: 'cuda', reason: `auto: torch 2.3.0 found at ${py} (.venv), CUDA available (NVIDIA H100)` });
    const cpu = await decideEngine(spec(f.workspace, 'cpu'), { workspace: f.workspace }, { engine: 'auto', why: 'auto' });
    expect(cpu).toMatchObject({ engine: 'pytorch', device: 'cpu' });
  });

  it('auto: tfjs when no interpreter imports torch, or train.device is gpu and torch has no CUDA', async () => {
    const f = folders();
    const py = fakePython(join(f.root, 'named', 'python'), {});
    const none = await decideEngine(spec(f.workspace), { workspace: f.workspace, python: py }, { engine: 'auto', why: 'auto' });
    expect(none).toMatchObject({ engine: 'tfjs' });
    expect((none as { reason: string }).reason).toMatch(/^auto: tfjs because no Python with torch was found \(tried .*named\/python \(setting\): ModuleNotFoundError/);
    const cpuTorch = fakePython(join(f.root, 'cpu', 'python'), { torch: '1.13.1' });
    const gpu = await decideEngine(spec(f.workspace, 'gpu'), { workspace: f.workspace, python: cpuTorch }, { engine: 'auto', why: 'auto' });
    expect(gpu).toEqual({ engine: 'tfjs', reason: `auto: tfjs because train.device is gpu and torch 1.13.1 at ${cpuTorch} has no CUDA` });
  });

  it('pytorch without torch is an error that says where it looked and what to do', async () => {
    const f = folders();
    const py = fakePython(join(f.root, 'named', 'python'), {});
    const d = await decideEngine(spec(f.workspace), { workspace: f.workspace, python: py }, { engine: 'pytorch', why: 'pytorch (asked for)' });
    expect(d).toMatchObject({ error: { code: 'engine/no-pytorch' } });
    expect((d as { error: { message: string } }).error.message).toMatch(/import torch.*named\/python.*engine tfjs/);
  });
});

describe('what the PyTorch engine resumes', () => {
  it('a run folder or its checkpoints folder with last.pt; `latest`: the newest resumable run, only when PyTorch wrote it', () => {
    const f = folders();
    const file = spec(f.workspace);
    const runs = join(f.workspace, '.modelyaml', 'runs', 'm');
    const torchRun = join(runs, '2026-12-06T10-00-00-000Z');
    mkdirSync(join(torchRun, 'checkpoints'), { recursive: true });
    writeFileSync(join(torchRun, 'checkpoints', 'last.pt'), 'x');
    expect(torchResumeDir(file, { workspace: f.workspace, resume: torchRun })).toBe(torchRun);
    expect(torchResumeDir(file, { workspace: f.workspace, resume: join(torchRun, 'checkpoints') })).toBe(torchRun);
    expect(torchResumeDir(file, { workspace: f.workspace, resume: 'latest' })).toBe(torchRun);
    // The runs view, the curves banner and the run-end notification offer Resume Training for it.
    expect(resumableCheckpoint(torchRun)).toBe(join(torchRun, 'checkpoints', 'last.pt'));
    // A newer run of the embedded trainer is the one `latest` means: not PyTorch's to resume.
    const tfjsRun = join(runs, '2026-12-06T11-00-00-000Z');
    mkdirSync(join(tfjsRun, 'checkpoints', 'last'), { recursive: true });
    writeFileSync(join(tfjsRun, 'checkpoints', 'last', 'state.json'), '{}');
    expect(torchResumeDir(file, { workspace: f.workspace, resume: 'latest' })).toBeUndefined();
    expect(torchResumeDir(file, { workspace: f.workspace, resume: tfjsRun })).toBeUndefined();
  });
});
