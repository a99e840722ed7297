/**
 * Formula warm-up: MathJax's first use costs a few hundred ms and each formula a few ms, so they
 * are rendered ahead of time while the server is idle — formulas of names the open documents use
 * first — and the first hover finds them in the cache.
 */
import { warmFormulas } from '../service/markdown';
import type { ServerContext } from './context';

const IDLE_MS = 200;

export interface Warmup {
  /** (Re)starts the warm-up, e.g. for a new formula colour. */
  schedule(): void;
  stop(): void;
}

export function createWarmup(ctx: ServerContext): Warmup {
  let warm: Iterator<void> | undefined;
  let timer: NodeJS.Timeout | undefined;

  function tick(): void {
    timer = undefined;
    if (!warm) return;
    const idle = Date.now() - ctx.lastActivity();
    if (idle < IDLE_MS) {
      timer = setTimeout(tick, IDLE_MS - idle);
      return;
    }
    try {
      // Short slices (a few formulas, ~10 ms), then back to the event loop: a request that
      // arrives meanwhile waits for at most one slice.
      const t0 = performance.now();
      do {
        if (warm.next().done) {
          warm = undefined;
          return;
        }
      } while (performance.now() - t0 < 10);
    } catch {
      warm = undefined;
      return;
    }
    timer = setTimeout(tick, 0);
  }

  return {
    schedule() {
      if (ctx.options.warmup === false) return;
      warm = warmFormulas(ctx.service.settings, () => ctx.documents.all().map((d) => d.getText()));
      if (!timer) timer = setTimeout(tick, IDLE_MS);
    },
    stop() {
      if (timer) clearTimeout(timer);
      timer = undefined;
      warm = undefined;
    },
  };
}
