import { main } from './main';

main(process.argv.slice(2)).then(
  (code) => {
    // Commands that keep running (lsp) resolve never; the rest set the exit code.
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`modelyaml: internal error: ${(e as Error).stack ?? e}\n`);
    process.exitCode = 70;
  },
);
