/**
 * One analysed document version and the indexes the features read, built lazily. The cache keeps
 * one analysis per (uri, version, text): hover, completion and the rest after an edit reuse the
 * analysis the diagnostics ran, and nothing is analysed twice for the same text. A new version is
 * analysed from the previous one (`reanalyze`): an edit inside one layer re-reads only that layer.
 */
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Position, Range as LspRange } from 'vscode-languageserver-types';
import type { Analysis } from '../../src/core/analyze';
import type { DataHost } from '../../src/core/catalog/types';
import type { Range } from '../../src/core/diagnostics';
import type { LayerInfo } from '../../src/core/infer';
import { reanalyze } from '../../src/core/incremental';
import { locateNode, type NodeLocation } from '../../src/core/locate';
import type { ItemNode, LayerNode } from '../../src/core/spec';

export class DocContext {
  private _layers?: (LayerNode | undefined)[];
  private _infos?: (LayerInfo | undefined)[];
  private _byName?: Map<string, LayerNode>;
  private _items?: ItemNode[];

  constructor(
    readonly uri: string,
    readonly version: number,
    readonly analysis: Analysis,
    /** Milliseconds the analysis took. */
    readonly cost: number,
  ) {}

  get text(): string {
    return this.analysis.text;
  }

  position(offset: number): Position {
    return this.analysis.lines.position(offset);
  }

  offset(p: Position): number {
    const line = Number.isFinite(p?.line) ? p.line : 0;
    const ch = Number.isFinite(p?.character) ? p.character : 0;
    return this.analysis.lines.offset(line, ch);
  }

  /** Whether a position names a line of the document (past the last line there is nothing to answer). */
  inside(p: Position): boolean {
    return !!p && Number.isFinite(p.line) && p.line >= 0 && p.line < this.analysis.lines.lineCount && Number.isFinite(p.character) && p.character >= 0;
  }

  range(r: Range): LspRange {
    return { start: this.position(r.start), end: this.position(Math.max(r.start, r.end)) };
  }

  locate(offset: number): NodeLocation {
    return locateNode(this.analysis.doc, offset);
  }

  /** The layer at a `model.layers` index (the YAML list index, not the position in `spec.model.layers`). */
  layer(index: number): LayerNode | undefined {
    if (!this._layers) {
      this._layers = [];
      for (const l of this.analysis.spec.model?.layers ?? []) this._layers[l.index] = l;
    }
    return this._layers[index];
  }

  layerInfo(index: number): LayerInfo | undefined {
    if (!this._infos) {
      this._infos = [];
      for (const i of this.analysis.model?.layers ?? []) this._infos[i.layer.index] = i;
    }
    return this._infos[index];
  }

  /** Named layers, by name (the first one, when a name is used twice). */
  get layersByName(): Map<string, LayerNode> {
    if (!this._byName) {
      this._byName = new Map();
      for (const l of this.analysis.spec.model?.layers ?? []) if (l.name && !this._byName.has(l.name.value)) this._byName.set(l.name.value, l);
    }
    return this._byName;
  }

  /** Every catalog item the spec names at the top level of its sections (not nested ones). */
  get items(): ItemNode[] {
    if (!this._items) {
      const s = this.analysis.spec;
      const out: ItemNode[] = [];
      if (s.data?.source) out.push(s.data.source);
      out.push(...(s.data?.pipeline ?? []));
      if (s.data?.validation?.source) out.push(s.data.validation.source);
      if (s.data?.test?.source) out.push(s.data.test.source);
      out.push(...(s.model?.layers ?? []));
      const t = s.train;
      if (t?.loss) out.push(t.loss);
      if (t?.optimizer) out.push(t.optimizer);
      out.push(...(t?.metrics ?? []));
      if (t?.lrSchedule) out.push(t.lrSchedule);
      this._items = out;
    }
    return this._items;
  }
}

export class AnalysisCache {
  private readonly entries = new Map<string, DocContext>();

  constructor(
    private readonly host: ((uri: string) => DataHost | undefined) | undefined,
    private readonly capacity = 32,
  ) {}

  get(document: TextDocument): DocContext {
    const uri = document.uri;
    const text = document.getText();
    const hit = this.entries.get(uri);
    if (hit && hit.version === document.version && hit.text === text) {
      // Most recently used last.
      this.entries.delete(uri);
      this.entries.set(uri, hit);
      return hit;
    }
    let host: DataHost | undefined;
    try {
      host = this.host?.(uri);
    } catch {
      host = undefined;
    }
    const t0 = performance.now();
    // A new version with the same text (a save, an undo back) keeps its analysis.
    const analysis = hit?.text === text ? hit.analysis : reanalyze(hit?.analysis, text, { host });
    const ctx = new DocContext(uri, document.version, analysis, performance.now() - t0);
    this.entries.delete(uri);
    this.entries.set(uri, ctx);
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
    return ctx;
  }

  /** The cached analysis of a document, whatever its version, without analysing. */
  peek(uri: string): DocContext | undefined {
    return this.entries.get(uri);
  }

  delete(uri: string): void {
    this.entries.delete(uri);
  }

  clear(): void {
    this.entries.clear();
  }
}
