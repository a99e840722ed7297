/**
 * The analysis workers, seen from the request loop. Each open document is given a worker — its
 * own while there are no more documents than `MODELYAML_ANALYSIS_WORKERS`, a shared one after
 * that — which holds the language service for it (`server/worker/analysisWorker.ts`). A request
 * waits only for the analysis of its own document (calls to one worker run in order); the main
 * thread never analyses and never reads data, so one slow document cannot stall another's hover.
 *
 * A worker announces each data read; a read that outlasts `MODELYAML_DATA_READ_SECONDS` cannot be
 * interrupted inside the worker, so the worker is terminated, the path is refused from then on
 * (the document's check reports `data/read-timeout` at the path) and the worker's documents are
 * checked again on a fresh one. A worker that dies (out of memory, a fatal error) likewise costs
 * only the diagnostics of the document it was analysing: a read it was in is refused
 * (`data/read-crashed`), or else that document version gets one `internal/crashed` diagnostic and
 * is not analysed again until it changes.
 */
import { Worker } from 'node:worker_threads';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { readFromWorker, type FromWorker, type RefusedPath, type ToWorker } from '../../src/core/protocol/analysis';
import { env } from '../../src/node/config';
import { RenameError, type ClientFeatures, type LanguageService, type LanguageSettings } from '../service';
import { defaultSettings } from '../service/types';
import { VALIDATE, type Validation } from '../worker/analysisWorker';

/** The features a worker answers: the language service's functions of a document. */
export type Feature = Exclude<{ [K in keyof LanguageService]: LanguageService[K] extends (d: TextDocument, ...a: never[]) => unknown ? K : never }[keyof LanguageService], 'analyze'>;
type Args<K extends Feature> = LanguageService[K] extends (d: TextDocument, ...a: infer A) => unknown ? A : never;
type Result<K extends Feature> = ReturnType<LanguageService[K]>;

/** A worker went away (timed out or crashed) before answering: the call is answered empty. */
export class WorkerGone extends Error {}

/** How a document's check ended when its worker died outside a data read. */
export interface Crash {
  version: number;
  message: string;
}

export interface PoolOptions {
  /** The script the workers run (the server bundle: it starts a worker when not on the main thread). */
  script: string;
  warmup: boolean;
  workspaces(): string[];
  /** The worker of these documents went away: check them again. */
  onRestart(uris: string[]): void;
  log(message: string): void;
}

interface Call {
  uri: string;
  resolve(v: unknown): void;
  reject(e: Error): void;
}

interface Slot {
  worker: Worker;
  /** The documents it holds, at the version it has. */
  documents: Map<string, number>;
  /** Calls in the order sent (a worker answers in order): the first is the one running. */
  calls: Map<number, Call>;
  reading?: { uri: string; path: string; timer: NodeJS.Timeout };
  gone: boolean;
}

export class AnalysisPool {
  private readonly slots: Slot[] = [];
  private readonly slotOf = new Map<string, Slot>();
  private readonly refused: RefusedPath[] = [];
  private readonly crashes = new Map<string, Crash>();
  private readonly current: LanguageSettings = defaultSettings();
  private client: Partial<ClientFeatures> = {};
  private nextId = 1;

  constructor(private readonly options: PoolOptions) {}

  /** The settings the workers run with (as the language service's `settings`). */
  get settings(): Readonly<LanguageSettings> {
    return this.current;
  }

  configure(s: Partial<LanguageSettings>): void {
    if (s.inlayHints) this.current.inlayHints = { ...this.current.inlayHints, ...s.inlayHints };
    for (const k of ['formulaColor', 'fontSize', 'highContrast'] as const) if (k in s) (this.current as unknown as Record<string, unknown>)[k] = s[k];
    this.broadcast({ type: 'configure', settings: { ...s } });
  }

  setClientFeatures(f: Partial<ClientFeatures>): void {
    this.client = { ...this.client, ...f };
    this.broadcast({ type: 'configure', client: { ...f } });
  }

  /** Data files or workspace folders changed: drop every analysis, and read refused paths again. */
  reset(): void {
    this.refused.length = 0;
    this.crashes.clear();
    this.broadcast({ type: 'configure', workspaces: this.options.workspaces(), refused: [] });
    this.broadcast({ type: 'reset' });
  }

  close(uri: string): void {
    const slot = this.slotOf.get(uri);
    this.slotOf.delete(uri);
    this.crashes.delete(uri);
    if (!slot) return;
    slot.documents.delete(uri);
    // A worker left without documents stays, for the next document to open (starting one costs ~100 ms).
    slot.worker.postMessage({ type: 'close', uri } satisfies ToWorker);
  }

  /** The crash that ended the check of this document version, if one did. */
  crashOf(document: TextDocument): Crash | undefined {
    const c = this.crashes.get(document.uri);
    return c?.version === document.version ? c : undefined;
  }

  /** Starts a worker before any document opens (after `initialized`): it loads and warms formulas while the client starts up. */
  prestart(): void {
    if (!this.slots.length) this.spawn();
  }

  validate(document: TextDocument): Promise<Validation> {
    return this.send(document, VALIDATE, []) as Promise<Validation>;
  }

  call<K extends Feature>(document: TextDocument, feature: K, ...args: Args<K>): Promise<Result<K>> {
    return this.send(document, feature, args) as Promise<Result<K>>;
  }

  dispose(): void {
    for (const slot of [...this.slots]) {
      slot.gone = true;
      if (slot.reading) clearTimeout(slot.reading.timer);
      void slot.worker.terminate();
    }
    this.slots.length = 0;
  }

  private send(document: TextDocument, feature: string, args: unknown[]): Promise<unknown> {
    // A version that brought a worker down would do it again: its requests are answered empty.
    const crash = this.crashOf(document);
    if (crash) return Promise.reject(new WorkerGone(crash.message));
    const uri = document.uri;
    const slot = this.slotFor(uri);
    if (slot.documents.get(uri) !== document.version) {
      slot.worker.postMessage({ type: 'sync', uri, version: document.version, text: document.getText() } satisfies ToWorker);
      slot.documents.set(uri, document.version);
    }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      slot.calls.set(id, { uri, resolve, reject });
      slot.worker.postMessage({ type: 'call', id, uri, version: document.version, feature, args } satisfies ToWorker);
    });
  }

  private slotFor(uri: string): Slot {
    const known = this.slotOf.get(uri);
    if (known) return known;
    const max = Math.max(1, Math.floor(env.analysisWorkers() ?? 4));
    // An idle worker first (started already), then a new one, then the least loaded.
    const idle = this.slots.find((s) => !s.documents.size);
    const slot = idle ?? (this.slots.length < max ? this.spawn() : this.slots.reduce((a, b) => (b.documents.size < a.documents.size ? b : a)));
    this.slotOf.set(uri, slot);
    slot.documents.set(uri, -1);
    return slot;
  }

  private spawn(): Slot {
    const worker = new Worker(this.options.script, {
      workerData: { warmup: this.options.warmup },
      resourceLimits: { maxOldGenerationSizeMb: env.analysisMemoryMb() ?? 2048 },
      // Never into the server's own stdout: with --stdio that is the LSP transport.
      stdout: true,
      stderr: true,
    });
    for (const stream of [worker.stdout, worker.stderr]) stream.on('data', (d: Buffer) => this.options.log(`modelyaml: analysis worker: ${d.toString().trimEnd()}`));
    const slot: Slot = { worker, documents: new Map(), calls: new Map(), gone: false };
    worker.on('message', (raw: unknown) => this.receive(slot, raw));
    worker.on('error', (e) => this.lost(slot, 'data/read-crashed', `it failed: ${(e as Error)?.message ?? e}`));
    worker.on('exit', (code) => this.lost(slot, 'data/read-crashed', `it stopped (exit code ${code})`));
    worker.unref();
    worker.postMessage({ type: 'configure', settings: { ...this.current }, client: this.client, workspaces: this.options.workspaces(), refused: this.refused } satisfies ToWorker);
    this.slots.push(slot);
    return slot;
  }

  private receive(slot: Slot, raw: unknown): void {
    const read = readFromWorker(raw);
    if (!read.ok) return this.options.log(`modelyaml: analysis worker: ${read.error}`);
    const m: FromWorker = read.value;
    switch (m.type) {
      case 'reading': {
        const seconds = env.dataReadSeconds() ?? 5;
        const timer = setTimeout(() => this.lost(slot, 'data/read-timeout', `it took longer than ${seconds} s`), seconds * 1000);
        slot.reading = { uri: m.uri, path: m.path, timer };
        return;
      }
      case 'read':
        if (slot.reading) clearTimeout(slot.reading.timer);
        slot.reading = undefined;
        return;
      case 'log':
        return this.options.log(m.message);
      case 'result':
      case 'failed': {
        const call = slot.calls.get(m.id);
        slot.calls.delete(m.id);
        if (!call) return;
        if (m.type === 'result') call.resolve(m.result);
        else call.reject(m.rename ? new RenameError(m.message) : new Error(m.message));
      }
    }
  }

  /** A worker timed out in a read or died: refuse what it was reading, answer its calls empty, check its documents again. */
  private lost(slot: Slot, code: RefusedPath['code'], why: string): void {
    if (slot.gone) return;
    slot.gone = true;
    const reading = slot.reading;
    if (reading) clearTimeout(reading.timer);
    void slot.worker.terminate();
    this.slots.splice(this.slots.indexOf(slot), 1);
    const running = slot.calls.values().next().value as Call | undefined;
    if (reading) {
      const message =
        code === 'data/read-timeout'
          ? `Reading \`${reading.path}\` timed out: ${why} (limit: MODELYAML_DATA_READ_SECONDS). Is it on a slow or stalled drive? It is read again when files change.`
          : `Reading \`${reading.path}\` stopped the checker: ${why}. It is read again when files change.`;
      this.refused.push({ uri: reading.uri, path: reading.path, code, message });
      this.broadcast({ type: 'configure', refused: this.refused });
    } else if (running) {
      const version = slot.documents.get(running.uri) ?? -1;
      this.crashes.set(running.uri, { version, message: `ModelYAML's checker stopped while checking this document: ${why}. Other documents are not affected; edit this one to check it again.` });
    }
    this.options.log(`modelyaml: analysis worker ${code === 'data/read-timeout' ? 'timed out' : 'went away'} (${why}); starting another`);
    for (const call of slot.calls.values()) call.reject(new WorkerGone(why));
    slot.calls.clear();
    const uris = [...slot.documents.keys()];
    for (const uri of uris) this.slotOf.delete(uri);
    this.options.onRestart(uris);
  }

  private broadcast(m: ToWorker): void {
    for (const slot of this.slots) slot.worker.postMessage(m);
  }
}
