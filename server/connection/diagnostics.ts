/**
 * When documents are checked and their diagnostics published.
 *
 * Validation is scheduled per document with a leading edge: a change is checked on the next turn
 * of the event loop (so changes already queued are applied first), and while a check is scheduled
 * or with the document's analysis worker further changes only move the document on — the next
 * check reads the newest text, so a burst of changes costs one check (two while one is running),
 * and no check is ever postponed by later typing.
 * Checking right away costs nothing extra for completion and hover: they need the analysis of the
 * new version anyway, and the check leaves it in the cache. Only on pathological documents, whose
 * analysis takes more than a second, consecutive checks keep a gap of half the last one's
 * duration, so continuous typing does not pin a core. Diagnostics carry the version they were
 * computed for and are only published while that version is current, so a stale result never
 * replaces a newer one.
 */
import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver/node';
import { env } from '../../src/node/config';
import { WorkerGone } from './analysisPool';
import type { ServerContext } from './context';


type Pending = NodeJS.Immediate | NodeJS.Timeout;

const cancel = (p: Pending) => {
  clearTimeout(p as NodeJS.Timeout);
  clearImmediate(p as NodeJS.Immediate);
};

/** The diagnostic of a document version whose check brought its worker down. */
function crashDiagnostic(message: string): Diagnostic {
  return { range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, severity: DiagnosticSeverity.Error, source: 'modelyaml', code: 'internal/crashed', message };
}

/** Per document: its scheduled check, whether its check is with the worker, and the last check's end and cost. */
interface CheckState {
  pending: Map<string, Pending>;
  /** Documents whose check is with their worker, and whether they changed meanwhile. */
  running: Map<string, { again: boolean }>;
  lastEnd: Map<string, number>;
  lastCost: Map<string, number>;
}

/** Checks a document's current version and publishes the result while that version is current. */
async function validate(ctx: ServerContext, state: CheckState, uri: string): Promise<void> {
  const { connection, documents, pool } = ctx;
  state.pending.delete(uri);
  const document = documents.get(uri);
  if (!document) return;
  const t0 = performance.now();
  const version = document.version;
  const crash = pool.crashOf(document);
  let diagnostics: Diagnostic[];
  let cost = 0;
  if (crash) diagnostics = [crashDiagnostic(crash.message)];
  else ({ diagnostics, cost } = await pool.validate(document));
  state.lastCost.set(uri, cost);
  state.lastEnd.set(uri, performance.now());
  // Publish only while the version is current; a newer one has its own check scheduled.
  if (documents.get(uri)?.version !== version) return;
  connection.sendDiagnostics({ uri, version, diagnostics }).catch(() => undefined);
  if (env.trace()) process.stderr.write(`modelyaml: checked ${uri}@${version} in ${cost.toFixed(1)} ms (analysis), ${(performance.now() - t0).toFixed(1)} ms in all\n`);
  if (performance.now() - t0 > 2000) ctx.log(`modelyaml: checking ${uri} took ${Math.round(performance.now() - t0)} ms`);
}

/** A closed document: its scheduled check cancelled, its state and worker let go, its diagnostics cleared. */
function forget(ctx: ServerContext, state: CheckState, uri: string): void {
  const p = state.pending.get(uri);
  if (p) cancel(p);
  state.pending.delete(uri);
  state.running.delete(uri);
  state.lastEnd.delete(uri);
  state.lastCost.delete(uri);
  ctx.pool.close(uri);
  ctx.connection.sendDiagnostics({ uri, diagnostics: [] }).catch(() => undefined);
}

/** Checks documents as they open and change, and again when data files change; returns the disposer. */
export function scheduleDiagnostics(ctx: ServerContext): () => void {
  const { connection, documents, pool } = ctx;
  const state: CheckState = { pending: new Map(), running: new Map(), lastEnd: new Map(), lastCost: new Map() };
  const { pending, running } = state;

  function schedule(uri: string): void {
    const busy = running.get(uri);
    if (busy) return void (busy.again = true); // checked again when the worker answers
    if (pending.has(uri)) return; // the scheduled check will read the newest text
    const cost = state.lastCost.get(uri) ?? 0;
    const gap = cost > 1000 ? Math.min(cost, 4000) / 2 : 0;
    const wait = Math.max(0, (state.lastEnd.get(uri) ?? 0) + gap - performance.now());
    const run = () => {
      const check = { again: false };
      running.set(uri, check);
      validate(ctx, state, uri)
        .catch((e) => {
          pending.delete(uri);
          if (!(e instanceof WorkerGone)) ctx.log(`modelyaml: validation failed: ${(e as Error)?.stack ?? e}`);
        })
        .finally(() => {
          if (running.get(uri) === check) running.delete(uri);
          if (check.again && documents.get(uri)) schedule(uri);
        });
    };
    pending.set(uri, wait > 0 ? setTimeout(run, wait) : setImmediate(run));
  }

  documents.onDidOpen((e) => schedule(e.document.uri));
  documents.onDidChangeContent((e) => schedule(e.document.uri));
  documents.onDidClose((e) => forget(ctx, state, e.document.uri));

  // A data file appeared, changed or went away: file checks may answer differently now. Events
  // come in bursts (a checkout, an unzip): one re-check after the burst.
  let filesChanged: NodeJS.Timeout | undefined;
  ctx.recheckAll = () => {
    pool.reset();
    for (const d of documents.all()) schedule(d.uri);
  };
  // A worker went away (a read timed out, it crashed): its documents are checked on a fresh one.
  ctx.recheck = (uris) => {
    for (const uri of uris) if (documents.get(uri)) schedule(uri);
  };
  connection.onDidChangeWatchedFiles(() => {
    if (filesChanged) clearTimeout(filesChanged);
    filesChanged = setTimeout(() => {
      filesChanged = undefined;
      ctx.recheckAll();
    }, 100);
  });

  return () => {
    for (const p of pending.values()) cancel(p);
    pending.clear();
    if (filesChanged) clearTimeout(filesChanged);
  };
}
