/** Input checks shared by the evaluation functions: bad input is named, never computed on. */

export class EvaluationInputError extends Error {
  override name = 'EvaluationInputError';
}

export function fail(message: string): never {
  throw new EvaluationInputError(message);
}

export function checkFiniteRow(row: readonly number[], width: number, what: string, index: number): void {
  if (row.length !== width) fail(`${what} row ${index} has ${row.length} values; expected ${width}`);
  for (let j = 0; j < width; j++) {
    if (!Number.isFinite(row[j])) fail(`${what} row ${index} column ${j} is ${row[j]}; expected a finite number`);
  }
}

export function checkProbabilityRows(rows: readonly (readonly number[])[], width: number, what: string): void {
  rows.forEach((row, i) => {
    checkFiniteRow(row, width, what, i);
    for (let j = 0; j < width; j++) {
      if (row[j] < 0 || row[j] > 1) fail(`${what} row ${i} column ${j} is ${row[j]}; probabilities lie in [0, 1]`);
    }
  });
}

export function checkClassIndices(labels: readonly number[], classCount: number, n: number): void {
  if (labels.length !== n) fail(`${labels.length} true labels for ${n} prediction rows; the counts must match`);
  labels.forEach((c, i) => {
    if (!Number.isInteger(c) || c < 0 || c >= classCount) {
      fail(`true label ${i} is ${c}; expected a class index from 0 to ${classCount - 1}`);
    }
  });
}
