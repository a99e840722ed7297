/** "1 class", "3 classes", "1 output": a count with its noun in the right number. */
export function count(n: number, one: string, many = one.endsWith('s') ? `${one}es` : `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
