/**
 * Data files through the real client and trainer process: quoted CSV fields that span lines
 * train; a text cell, an over-long row and a folder as a data path fail as user errors naming the
 * file and row — never `trainer/internal`.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ofType, train, trainerBundle, workspace } from './helpers';

beforeAll(async () => {
  await trainerBundle();
}, 120_000);

const spec = (source: string, pipeline = '[]') => `version: 1
name: files
seed: 1
data:
  source: ${source}
  pipeline: ${pipeline}
model:
  input: [2]
  layers: [{ dense: { units: 1 } }]
train: { loss: mean_squared_error, epochs: 1, batch_size: 4 }
`;

const rows = (n: number, row: (i: number) => string) => Array.from({ length: n }, (_, i) => row(i)).join('\n');

async function trainIn(files: Record<string, string>, yaml: string, env: Record<string, string> = {}) {
  const dir = workspace({ 's.model.yaml': yaml, ...files });
  const { result, events } = await train(join(dir, 's.model.yaml'), { env });
  return { dir, result, events, error: ofType(events, 'error')[0] };
}

describe('data files in a training run', () => {
  it('quoted fields with line breaks and delimiters are one field each: every row trains', async () => {
    const csv = `note,a,b,y\n${rows(8, (i) => `"row ${i}\nsecond line, with a comma",${i},${i + 1},${2 * i}`)}\n`;
    const { result, events } = await trainIn({ 'd.csv': csv }, spec('{ csv: { path: d.csv, features: [a, b], label: y, label_type: continuous } }'));
    expect(result.status).toBe('completed');
    expect(ofType(events, 'started')[0].samples.train).toBe(8);
  });

  it('a text cell at line 12 is named with its row and value', async () => {
    const csv = `a,b,y\n${rows(14, (i) => (i === 10 ? '1,abc,0' : `${i},${i + 2},1`))}\n`;
    const { dir, result, error } = await trainIn({ 'd.csv': csv }, spec('{ csv: { path: d.csv, label: y, label_type: continuous } }'));
    expect(result.status).toBe('failed');
    expect(error).toMatchObject({ code: 'data/not-numeric' });
    expect(error.message).toContain(`Column \`b\` holds text (e.g. "abc" at ${dir}/d.csv:12)`);
  });

  it('a row longer than the limit fails with the file and line', async () => {
    const csv = `a,b,y\n1,2,3\n${'4'.repeat(4000)},5,6\n`;
    const { result, error } = await trainIn({ 'd.csv': csv }, spec('{ csv: { path: d.csv, label: y, label_type: continuous } }'), { MODELYAML_MAX_RECORD_BYTES: '1000' });
    expect(result.status).toBe('failed');
    expect(error).toMatchObject({ code: 'data/row-too-long', row: 3 });
    expect(error.message).toMatch(/d\.csv:3: this row is longer than 1000 B/);
  });

  it('a folder as the data path is a user error, not trainer/internal EISDIR', async () => {
    const { result, error } = await trainIn({ 'd.csv/inner.txt': '' }, spec('{ csv: { path: d.csv, label: y } }'));
    expect(result.status).toBe('failed');
    expect(error.code).not.toBe('trainer/internal');
    expect(error.message).toContain('`d.csv` is a folder, not a file.');
  });
});
