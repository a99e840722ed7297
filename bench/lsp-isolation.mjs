// Whether one huge document stalls the language server for the others, through the real server
// over stdio (issue 16, item 5: a request on another document waited 11.3 s).
//
//   node bench/lsp-isolation.mjs            (after `npm run build`; BENCH_SERVER_JS=<bundle> measures another build)
//
// For each worst case of `bench:core` near 1 MB (layers with unknown `inputs` references, 1 MiB of
// `"`): a small document is opened and checked first; then the huge one is opened and, until its
// diagnostics arrive, hovers on the small one are sent one after another. Reports the time from
// didOpen to the huge document's diagnostics, the first hover's latency, the slowest hover's,
// and how many hovers were answered meanwhile. Writes bench/results/lsp-isolation.json.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const serverJs = resolve(process.env.BENCH_SERVER_JS ?? join(root, 'dist', 'server.js'));

function unknownRefs(n) {
  let s = 'model:\n  input: [4]\n  layers:\n';
  for (let i = 0; i < n; i++) s += `    - dense: { units: 4 }\n      name: layer_${i}\n      inputs: nope_${i}\n`;
  return s;
}
const cases = [
  { case: '15,000 layers, each with an unknown inputs reference', text: unknownRefs(15_000) },
  { case: '1 MiB of "', text: '"'.repeat(2 ** 20) },
];
const SMALL = 'model:\n  input: [4]\n  layers:\n    - dense: { units: 2 }\n';

async function measure(dir, { case: name, text }) {
  const child = spawn(process.execPath, [serverJs, '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const conn = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  const waiters = new Map();
  conn.onNotification('textDocument/publishDiagnostics', (p) => waiters.get(p.uri)?.(p));
  conn.onRequest(() => null);
  conn.listen();
  const folder = pathToFileURL(dir).href;
  await conn.sendRequest('initialize', { processId: process.pid, rootUri: folder, workspaceFolders: [{ uri: folder, name: 'bench' }], capabilities: { textDocument: { hover: { contentFormat: ['markdown'] } } } });
  conn.sendNotification('initialized', {});
  const open = (file, body) => {
    const uri = pathToFileURL(join(dir, file)).href;
    const published = new Promise((r) => waiters.set(uri, r));
    conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'modelyaml', version: 1, text: body } });
    return { uri, published };
  };
  const small = open('small.model.yaml', SMALL);
  await small.published;
  const hover = () => conn.sendRequest('textDocument/hover', { textDocument: { uri: small.uri }, position: { line: 3, character: 8 } });
  await hover();

  const t0 = performance.now();
  const big = open('big.model.yaml', text);
  let done = false;
  const diagnosticsMs = big.published.then(() => ((done = true), performance.now() - t0));
  const latencies = [];
  while (!done) {
    const h0 = performance.now();
    await hover();
    latencies.push(performance.now() - h0);
  }
  const result = { case: name, bytes: text.length, diagnosticsMs: +(await diagnosticsMs).toFixed(0), firstHoverMs: +latencies[0].toFixed(1), slowestHoverMs: +Math.max(...latencies).toFixed(1), hoversAnswered: latencies.length };
  await conn.sendRequest('shutdown');
  conn.sendNotification('exit');
  conn.dispose();
  return result;
}

const dir = mkdtempSync(join(tmpdir(), 'modelyaml-lsp-isolation-'));
mkdirSync(join(dir, '.git'));
const results = [];
try {
  for (const c of cases) {
    results.push(await measure(dir, c));
    console.log(JSON.stringify(results[results.length - 1]));
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
const out = { benchmark: 'language server: a huge document and requests on another', server: serverJs, node: process.version, cpus: cpus().length, loadAverage: loadavg()[0], date: new Date().toISOString(), results };
writeFileSync(process.env.BENCH_OUT ?? join(root, 'bench', 'results', 'lsp-isolation.json'), JSON.stringify(out, null, 2) + '\n');
console.table(results);
