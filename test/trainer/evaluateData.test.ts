/**
 * Reading `--data` in the trainer (src/trainer/evaluateData.ts): what the CLI refuses up front is
 * refused here too, for any other caller of the trainer's `evaluate` command.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Preprocessing } from '../../src/core/protocol/preprocessing';
import { dataFilePart } from '../../src/trainer/evaluateData';
import { TrainerError } from '../../src/trainer/util';

const tablePre: Preprocessing = {
  schemaVersion: 1,
  input: { source: 'csv', kind: 'table', columns: ['a'], label: 'y', shape: [1] },
  steps: [],
  features: { shape: [1] },
  labels: { kind: 'continuous', shape: [1] },
  dataFingerprint: 'x',
};

const failure = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as TrainerError);

describe('evaluate --data in the trainer', () => {
  it('a FIFO is refused without being opened (reading it would block forever)', async () => {
    const fifo = join(mkdtempSync(join(tmpdir(), 'modelyaml-evaluate-data-')), 'rows.csv');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const e = await failure(dataFilePart(fifo, tablePre));
    expect(e).toBeInstanceOf(TrainerError);
    expect(e!.code).toBe('evaluate/data-unreadable');
    expect(e!.message).toContain('is not a regular file (a pipe, device or socket)');
  });

  it('a folder is read only for an image model; a missing path is named', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'modelyaml-evaluate-data-'));
    mkdirSync(join(dir, 'cat'));
    const folder = await failure(dataFilePart(dir, tablePre));
    expect(folder!.message).toContain('is a folder, but the run was trained on csv data');
    const missing = await failure(dataFilePart(join(dir, 'nope.csv'), tablePre));
    expect(missing!.message).toMatch(/Cannot read .*nope\.csv: ENOENT/);
  });
});
