/**
 * An analysis worker: a `worker_threads` thread that holds the language service for the documents
 * the main thread gives it, analyses them (the core and the data reads) and answers feature calls
 * with plain LSP data. The analysis stays here — its YAML tree cannot be cloned across threads and
 * re-parsing it on the main thread would cost what the worker saves — so the main thread only
 * routes: a slow document keeps its own worker busy, never the request loop.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { Diagnostic } from 'vscode-languageserver-types';
import { readToWorker, type FromWorker, type RefusedPath, type ToWorker } from '../../src/core/protocol/analysis';
import { createLanguageService, RenameError, type ClientFeatures, type LanguageService, type LanguageSettings } from '../service';
import { hdf5 } from '../../src/node/pretrained';
import { watchedDataHost } from './dataHost';
import { createWarmup } from './warmup';

/** The one call that is not a language-service feature: diagnostics and what their analysis cost. */
export const VALIDATE = 'validate';

export interface Validation {
  diagnostics: Diagnostic[];
  /** Milliseconds the analysis took. */
  cost: number;
}

export function runAnalysisWorker(): void {
  const port = parentPort;
  if (!port) return;
  const post = (m: FromWorker) => port.postMessage(m);
  // Warnings (the yaml package's) go to the client's log, as on the main thread, not to stderr.
  process.emitWarning = ((warning: string | Error) => post({ type: 'log', message: `modelyaml: ${warning instanceof Error ? warning.message : warning}` })) as typeof process.emitWarning;
  const documents = new Map<string, TextDocument>();
  let workspaces: string[] = [];
  let refused: RefusedPath[] = [];
  let lastActivity = Date.now();
  let hdf5Missed = false;
  const watch = {
    reading: (uri: string, path: string) => post({ type: 'reading', uri, path }),
    read: () => post({ type: 'read' }),
    hdf5Loading: () => void (hdf5Missed = true),
  };
  const service: LanguageService = createLanguageService({
    host: (uri) => watchedDataHost(uri, workspaces, refused, watch),
    onError: (feature, e) => post({ type: 'log', message: `modelyaml: ${feature} failed: ${(e as Error)?.stack ?? e}` }),
  });
  const warmup = createWarmup({
    enabled: (workerData as { warmup?: boolean } | undefined)?.warmup !== false,
    lastActivity: () => lastActivity,
    settings: () => service.settings,
    texts: () => [...documents.values()].map((d) => d.getText()),
  });

  function call(m: Extract<ToWorker, { type: 'call' }>): void {
    const document = documents.get(m.uri);
    if (!document || document.version !== m.version) {
      post({ type: 'failed', id: m.id, message: `${m.uri}@${m.version} is not open in this worker` });
      return;
    }
    try {
      if (m.feature === VALIDATE) return validate(m.id, document, true);
      const feature = (service as unknown as Record<string, unknown>)[m.feature];
      if (typeof feature !== 'function' || m.feature === 'analyze') throw new Error(`no feature ${m.feature}`);
      post({ type: 'result', id: m.id, result: feature(document, ...m.args) ?? null });
    } catch (e) {
      post({ type: 'failed', id: m.id, message: (e as Error)?.message ?? String(e), rename: e instanceof RenameError });
    }
  }

  /**
   * Diagnostics of a document. A Keras weights file it names goes unchecked while HDF5 (h5wasm)
   * is still starting, right after the worker starts: then the answer waits for it and the
   * document is analysed again, so the first diagnostics already say what the file holds.
   */
  function validate(id: number, document: TextDocument, mayWait: boolean): void {
    hdf5Missed = false;
    const diagnostics = service.doValidation(document);
    if (hdf5Missed && mayWait) {
      const again = () => {
        service.forget(document.uri);
        try {
          validate(id, document, false);
        } catch (e) {
          post({ type: 'failed', id, message: (e as Error)?.message ?? String(e) });
        }
      };
      void hdf5().then(again, again);
      return;
    }
    post({ type: 'result', id, result: { diagnostics, cost: service.analyze(document).cost } satisfies Validation });
  }

  function handle(m: ToWorker): void {
    switch (m.type) {
      case 'configure':
        if (m.settings) service.configure(m.settings as Partial<LanguageSettings>);
        if (m.client) service.setClientFeatures(m.client as Partial<ClientFeatures>);
        if (m.workspaces) workspaces = m.workspaces;
        if (m.refused) refused = m.refused;
        if (m.settings) warmup.schedule();
        return;
      case 'sync':
        documents.set(m.uri, TextDocument.create(m.uri, 'modelyaml', m.version, m.text));
        return;
      case 'close':
        documents.delete(m.uri);
        service.forget(m.uri);
        return;
      case 'reset':
        service.reset();
        return;
      case 'call':
        return call(m);
    }
  }

  port.on('message', (raw: unknown) => {
    lastActivity = Date.now();
    const m = readToWorker(raw);
    if (!m.ok) return post({ type: 'log', message: `modelyaml: analysis worker: ${m.error}` });
    handle(m.value);
    // Idle means nothing asked and nothing worked on for a while: a long analysis is not idle time.
    lastActivity = Date.now();
  });
  warmup.schedule();
}
