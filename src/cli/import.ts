/**
 * `modelyaml import <pytorch-run-dir>`: brings a run trained by an exported PyTorch package (on a
 * cluster, or locally) back as a ModelYAML run that evaluate, predict, export and serve open
 * (src/node/torchImport.ts; docs/cluster.md, "Bringing a cluster run back").
 */
import { relative } from 'node:path';
import { ImportError, importTorchRun } from '../node/torchImport';

export interface ImportFlags {
  out?: string;
  checkpoint?: string;
  python?: string;
  package?: string;
  spec?: string;
}

interface ImportIO {
  out(s: string): void;
  err(s: string): void;
}

export async function importCommand(args: string[], flags: ImportFlags, io: ImportIO): Promise<number> {
  if (args.length !== 1) {
    io.err('modelyaml import: name exactly one PyTorch run folder (the --out of the package\'s train.py), e.g. modelyaml import runs/cluster-1 --out .modelyaml/runs/iris/cluster-1\n');
    return 2;
  }
  try {
    const r = await importTorchRun(args[0], { out: flags.out, checkpoint: flags.checkpoint, python: flags.python, package: flags.package, spec: flags.spec });
    const shown = relative(process.cwd(), r.runDir) || r.runDir;
    io.out(`Imported ${relative(process.cwd(), r.checkpoint) || r.checkpoint} (${r.tensors} tensors) into ${shown}\n`);
    io.out(`  modelyaml evaluate ${shown}\n  modelyaml predict ${shown} --input FILE\n`);
    return 0;
  } catch (e) {
    if (e instanceof ImportError) {
      io.err(`modelyaml import: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
