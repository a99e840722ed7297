/**
 * When documents are checked and their diagnostics published.
 *
 * Validation is scheduled per document with a leading edge: a change is checked on the next turn
 * of the event loop (so changes already queued are applied first), and while a check is scheduled
 * further changes only move the document on — the scheduled check reads the newest text when it
 * runs, so a burst of changes costs one check, and no check is ever postponed by later typing.
 * Checking right away costs nothing extra for completion and hover: they need the analysis of the
 * new version anyway, and the check leaves it in the cache. Only on pathological documents, whose
 * analysis takes more than a second, consecutive checks keep a gap of half the last one's
 * duration, so continuous typing does not pin a core. Diagnostics carry the version they were
 * computed for and are only published while that version is current, so a stale result never
 * replaces a newer one.
 */
import type { ServerContext } from './context';
import { env } from '../../src/node/config';


type Pending = NodeJS.Immediate | NodeJS.Timeout;

const cancel = (p: Pending) => {
  clearTimeout(p as NodeJS.Timeout);
  clearImmediate(p as NodeJS.Immediate);
};

/** Checks documents as they open and change, and again when data files change; returns the disposer. */
export function scheduleDiagnostics(ctx: ServerContext): () => void {
  const { connection, documents, service } = ctx;
  const pending = new Map<string, Pending>();
  const lastEnd = new Map<string, number>();
  const lastCost = new Map<string, number>();

  function validate(uri: string): void {
    pending.delete(uri);
    const document = documents.get(uri);
    if (!document) return;
    const t0 = performance.now();
    const version = document.version;
    const diagnostics = service.doValidation(document);
    const cost = service.analyze(document).cost;
    lastCost.set(uri, cost);
    lastEnd.set(uri, performance.now());
    // Publish only while the version is current; a newer one has its own check scheduled.
    if (documents.get(uri)?.version !== version) return;
    connection.sendDiagnostics({ uri, version, diagnostics }).catch(() => undefined);
    if (env.trace()) process.stderr.write(`modelyaml: checked ${uri}@${version} in ${cost.toFixed(1)} ms (analysis), ${(performance.now() - t0).toFixed(1)} ms in all\n`);
    if (performance.now() - t0 > 2000) ctx.log(`modelyaml: checking ${uri} took ${Math.round(performance.now() - t0)} ms`);
  }

  function schedule(uri: string): void {
    ctx.touch();
    if (pending.has(uri)) return; // the scheduled check will read the newest text
    const cost = lastCost.get(uri) ?? 0;
    const gap = cost > 1000 ? Math.min(cost, 4000) / 2 : 0;
    const wait = Math.max(0, (lastEnd.get(uri) ?? 0) + gap - performance.now());
    const run = () => {
      try {
        validate(uri);
      } catch (e) {
        pending.delete(uri);
        ctx.log(`modelyaml: validation failed: ${(e as Error)?.stack ?? e}`);
      }
    };
    pending.set(uri, wait > 0 ? setTimeout(run, wait) : setImmediate(run));
  }

  documents.onDidOpen((e) => schedule(e.document.uri));
  documents.onDidChangeContent((e) => schedule(e.document.uri));
  documents.onDidClose((e) => {
    const uri = e.document.uri;
    const p = pending.get(uri);
    if (p) cancel(p);
    pending.delete(uri);
    lastEnd.delete(uri);
    lastCost.delete(uri);
    service.forget(uri);
    connection.sendDiagnostics({ uri, diagnostics: [] }).catch(() => undefined);
  });

  // A data file appeared, changed or went away: file checks may answer differently now. Events
  // come in bursts (a checkout, an unzip): one re-check after the burst.
  let filesChanged: NodeJS.Timeout | undefined;
  ctx.recheckAll = () => {
    service.reset();
    for (const d of documents.all()) schedule(d.uri);
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
