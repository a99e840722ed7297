import { main } from './main';

// A reader that stops early (`modelyaml docs | head -1`) closes the pipe: the rest of the output has
// nowhere to go, so stop quietly with 0, as other command-line tools do, instead of a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
}

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
