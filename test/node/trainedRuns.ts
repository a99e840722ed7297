/**
 * Real run folders for the runs view's tests: three short iris trainings (through the real trainer
 * process) in one workspace, differing in the learning rate and the hidden layer's units.
 */
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { irisSpec, train, workspace } from '../trainer/helpers';

export interface TrainedWorkspace {
  ws: string;
  spec: string;
  runsRoot: string;
  /** Run folders in the order trained (by default lr 0.05 / 16, lr 0.01 / 16, lr 0.05 / 32). */
  runs: string[];
}

export const VARIANTS = [
  { lr: 0.05, units: 16 },
  { lr: 0.01, units: 16 },
  { lr: 0.05, units: 32 },
];

export async function trainedWorkspace(variants: readonly { lr: number; units: number }[] = VARIANTS): Promise<TrainedWorkspace> {
  const ws = workspace({});
  const spec = join(ws, 'iris.model.yaml');
  const runsRoot = join(ws, '.modelyaml', 'runs');
  const runs: string[] = [];
  for (const v of variants) {
    writeFileSync(spec, irisSpec({ epochs: 2, units: v.units, optimizer: `{ adam: { learning_rate: ${v.lr} } }`, test: 0.2 }));
    const { result } = await train(spec, { out: runsRoot, workspace: ws });
    if (!result.runDir) throw new Error(`training ${JSON.stringify(v)} wrote no run folder: ${JSON.stringify(result)}`);
    runs.push(result.runDir);
  }
  return { ws, spec, runsRoot, runs };
}
