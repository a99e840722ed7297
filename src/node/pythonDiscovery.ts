/**
 * Finding a Python with PyTorch for the PyTorch engine, the way the Python extension finds an
 * interpreter: the one named in settings (`modelyaml.pythonPath`, `--python`, MODELYAML_PYTHON),
 * then the workspace's `.venv` and `venv`, then the active conda environment ($CONDA_PREFIX), then
 * `python3` and `python` on PATH. Each candidate is asked once whether it can `import torch` (and
 * whether CUDA is available); the answer is cached in memory and on disk, keyed by the
 * interpreter's path, size and modification time, because importing torch takes seconds.
 * Node only; no tfjs.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { env } from './config';

export interface PythonCandidate {
  path: string;
  /** Where it came from: "setting", ".venv", "venv", "conda", "PATH". */
  source: string;
}

export interface TorchProbe {
  ok: boolean;
  /** torch.__version__ when it imports. */
  torch?: string;
  cuda?: boolean;
  /** The CUDA device's name, when there is one. */
  cudaDevice?: string;
  python?: string;
  /** Why not: the import's error, cut short. */
  error?: string;
}

export interface DiscoveryOptions {
  /** The interpreter the user named (setting or flag); outranks every other. */
  explicit?: string;
  workspace?: string;
  /** Defaults to process.env (tests pass their own PATH and CONDA_PREFIX). */
  environment?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
}

const isFile = (p: string) => {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
};

/** The interpreters to try, in order, that exist (the explicit one is kept even when it does not, so its absence is reported). */
export function pythonCandidates(o: DiscoveryOptions): PythonCandidate[] {
  const environment = o.environment ?? process.env;
  const windows = (o.platform ?? process.platform) === 'win32';
  const inEnv = (root: string) => (windows ? join(root, 'python.exe') : join(root, 'bin', 'python'));
  const inVenv = (root: string) => (windows ? join(root, 'Scripts', 'python.exe') : join(root, 'bin', 'python'));
  const out: PythonCandidate[] = [];
  const explicit = o.explicit ?? env.python();
  if (explicit) out.push({ path: explicit, source: o.explicit ? 'setting' : 'MODELYAML_PYTHON' });
  if (o.workspace) for (const name of ['.venv', 'venv']) out.push({ path: inVenv(join(o.workspace, name)), source: name });
  if (environment.CONDA_PREFIX) out.push({ path: inEnv(environment.CONDA_PREFIX), source: 'conda' });
  for (const dir of (environment.PATH ?? '').split(delimiter).filter(Boolean)) {
    for (const name of windows ? ['python.exe'] : ['python3', 'python']) out.push({ path: join(dir, name), source: 'PATH' });
  }
  const seen = new Set<string>();
  return out.filter((c) => (c.source === 'setting' || c.source === 'MODELYAML_PYTHON' || isFile(c.path)) && !seen.has(c.path) && seen.add(c.path));
}

const PROBE = `import json, sys
try:
    import torch
    cuda = torch.cuda.is_available()
    print(json.dumps({"ok": True, "torch": torch.__version__, "cuda": cuda, "cudaDevice": torch.cuda.get_device_name(0) if cuda else None, "python": sys.version.split()[0]}))
except Exception as e:
    print(json.dumps({"ok": False, "error": f"{type(e).__name__}: {e}"[:300], "python": sys.version.split()[0]}))
`;

const memory = new Map<string, TorchProbe>();

function cacheKey(path: string): string | undefined {
  try {
    const s = statSync(path);
    return `${path}|${s.size}|${s.mtimeMs}`;
  } catch {
    return undefined;
  }
}

function diskCache(dir: string | undefined): { read(): Record<string, TorchProbe>; write(all: Record<string, TorchProbe>): void } {
  const file = dir && join(dir, 'python-probe.json');
  return {
    read: () => {
      try {
        return file && existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, TorchProbe>) : {};
      } catch {
        return {};
      }
    },
    write: (all) => {
      try {
        if (!file || !dir) return;
        mkdirSync(dir, { recursive: true });
        writeFileSync(file, JSON.stringify(all, null, 2) + '\n');
      } catch {
        /* a cache that cannot be written costs only the next probe */
      }
    },
  };
}

/** Asks one interpreter whether it imports torch (and has CUDA); cached by path, size and mtime. */
export async function probeTorch(python: string, cacheDir?: string): Promise<TorchProbe> {
  const key = cacheKey(python);
  if (!key) return { ok: false, error: `${python} does not exist` };
  const cached = memory.get(key) ?? diskCache(cacheDir).read()[key];
  if (cached) {
    memory.set(key, cached);
    return cached;
  }
  const probe = await new Promise<TorchProbe>((resolve) => {
    execFile(python, ['-c', PROBE], { timeout: 120_000, encoding: 'utf8' }, (err, stdout) => {
      try {
        const parsed = JSON.parse(stdout.trim().split('\n').pop() ?? '') as TorchProbe;
        resolve({ ...parsed, cudaDevice: parsed.cudaDevice ?? undefined });
      } catch {
        resolve({ ok: false, error: err ? err.message.slice(0, 300) : `unexpected answer: ${stdout.slice(0, 200)}` });
      }
    });
  });
  memory.set(key, probe);
  const disk = diskCache(cacheDir);
  disk.write({ ...disk.read(), [key]: probe });
  return probe;
}

export interface FoundTorch {
  python: string;
  source: string;
  probe: TorchProbe;
}

/** The first candidate that imports torch; otherwise what each candidate said (for the reason). */
export async function findTorch(o: DiscoveryOptions & { cacheDir?: string }): Promise<{ found?: FoundTorch; tried: string[] }> {
  const tried: string[] = [];
  for (const c of pythonCandidates(o)) {
    const probe = await probeTorch(c.path, o.cacheDir);
    if (probe.ok) return { found: { python: c.path, source: c.source, probe }, tried };
    tried.push(`${c.path} (${c.source}): ${probe.error ?? 'no torch'}`);
    // A named interpreter is the user's choice: the others are not tried in its place.
    if (c.source === 'setting') break;
  }
  return { tried };
}
