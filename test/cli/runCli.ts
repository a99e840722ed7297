import { main } from '../../src/cli/main';

/** Runs the CLI in this process and collects what it prints. */
export async function run(...args: string[]) {
  let out = '';
  let err = '';
  const code = await main(args, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}
