// Timings for server/math.ts (hover formulas, MathJax TeX → SVG).
//
//   node bench/math.mjs
//
// Bundles server/math.ts the way dist/server.js is built (esbuild, platform node, CommonJS, one
// file) into a temporary directory, then measures, in this fresh process:
//   - bundle size (plain and minified, with gzip),
//   - require() of the bundle (parse cost paid at server start; MathJax itself is not run),
//   - the lazy MathJax initialisation and the first render,
//   - uncached renders of other formulas, cached renders, and cached markdown images.
import { build } from 'esbuild';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'modelyaml-math-bench-'));
const kb = (n) => `${(n / 1024).toFixed(0)} KiB`;
const ms = (x) => `${x.toFixed(x < 1 ? 4 : 1)} ms`;

try {
  const out = join(dir, 'math.cjs');
  for (const minify of [false, true]) {
    const file = minify ? join(dir, 'math.min.cjs') : out;
    await build({
      entryPoints: [join(root, 'server/math.ts')],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      outfile: file,
      minify,
      logLevel: 'warning',
    });
    const bytes = readFileSync(file);
    console.log(`bundle ${minify ? 'minified' : 'plain   '}  ${kb(statSync(file).size)} (gzip ${kb(gzipSync(bytes).length)})`);
  }

  let t = performance.now();
  const math = createRequire(import.meta.url)(out);
  console.log(`require(bundle)      ${ms(performance.now() - t)}  (MathJax loaded: ${math.isMathEngineLoaded()})`);

  const formulas = [
    String.raw`\theta \leftarrow \theta - \alpha \nabla_\theta L`,
    String.raw`\hat m_t = \frac{m_t}{1-\beta_1^t}`,
    String.raw`\sigma(z)_i = \frac{e^{z_i}}{\sum_j e^{z_j}}`,
    String.raw`\left\lfloor \frac{n + 2p - k}{s} \right\rfloor + 1`,
    String.raw`\theta_t = \theta_{t-1} - \alpha \frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon}`,
    String.raw`\operatorname{ReLU}(x) = \max(0, x)`,
    String.raw`y = \mathbf{W} x + \mathbf{b}, \quad \mathbf{W} \in \mathbb{R}^{m \times n}`,
    String.raw`\mathcal{L} = -\sum_{c=1}^{C} y_c \log \hat y_c`,
  ];
  const opts = { color: '#cccccc', fontSizePx: 14 };

  t = performance.now();
  math.renderTexToSvg(formulas[0], opts);
  const first = performance.now() - t;
  const init = math.mathEngineInitMs();
  console.log(`first render         ${ms(first)}  (of which MathJax init ${ms(init)}, render ${ms(first - init)})`);

  const uncached = [];
  for (const tex of formulas.slice(1)) {
    t = performance.now();
    math.renderTexToSvg(tex, opts);
    uncached.push(performance.now() - t);
  }
  const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(`uncached render      median ${ms(med(uncached))}, max ${ms(Math.max(...uncached))} (${uncached.length} formulas)`);

  const N = 10_000;
  t = performance.now();
  for (let i = 0; i < N; i++) math.renderTexToSvg(formulas[i % formulas.length], opts);
  console.log(`cached render        ${ms((performance.now() - t) / N)} per call`);
  t = performance.now();
  for (let i = 0; i < N; i++) math.texToMarkdownImage(formulas[i % formulas.length], 'alt', opts);
  console.log(`cached markdown img  ${ms((performance.now() - t) / N)} per call`);

  const sizes = formulas.map((tex) => math.texToMarkdownImage(tex, 'alt', opts).length);
  console.log(`markdown image size  ${Math.min(...sizes)}–${Math.max(...sizes)} chars`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
