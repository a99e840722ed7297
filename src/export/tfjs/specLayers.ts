/**
 * Which spec layer a tfjs layer of the checkpoint came from, and where it is written: the trainer
 * names each tfjs layer after the spec layer's id (sub-layers add `_<suffix>`), so the run's spec
 * snapshot, analysed by the core, gives the line.
 */
import { join } from 'node:path';
import { analyze } from '../../core/analyze';
import { SPEC_SNAPSHOT_FILE, readSpecSnapshot } from '../../node/runRecord';

export interface SpecLayer {
  id: string;
  type: string;
  file: string;
  line: number;
  column: number;
}

/** The trainer's tfjs name for a spec id, before de-duplication (src/trainer/model/build.ts `tfName`). */
const tfjsBase = (id: string) => {
  const base = id.replace(/[^A-Za-z0-9._/-]/g, '_');
  return /^[A-Za-z0-9]/.test(base) ? base : `l${base}`;
};

/** Finds the spec layer of a tfjs layer name; undefined when the run kept no spec snapshot. */
export function specLayerLocator(runDir: string): (tfjsName: string) => SpecLayer | undefined {
  const text = readSpecSnapshot(runDir);
  if (text === undefined) return () => undefined;
  const a = analyze(text);
  const file = join(runDir, SPEC_SNAPSHOT_FILE);
  const layers = (a.model?.layers ?? []).map((info) => {
    const p = a.lines.position(info.layer.range.start);
    return { id: info.id, type: info.layer.type, base: tfjsBase(info.id), file, line: p.line + 1, column: p.character + 1 };
  });
  return (name) => {
    const hits = layers.filter((l) => name === l.base || name.startsWith(`${l.base}_`));
    const best = hits.sort((x, y) => y.base.length - x.base.length)[0];
    return best && { id: best.id, type: best.type, file: best.file, line: best.line, column: best.column };
  };
}
