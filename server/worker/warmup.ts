/**
 * Formula warm-up: MathJax's first use costs a few hundred ms and each formula a few ms, so they
 * are rendered ahead of time while the server is idle — formulas of names the open documents use
 * first — and the first hover finds them in the cache.
 */
import { warmFormulas } from '../service/markdown';
import type { LanguageSettings } from '../service';

const IDLE_MS = 200;

export interface Warmup {
  /** (Re)starts the warm-up, e.g. for a new formula colour. */
  schedule(): void;
  stop(): void;
}

/** What the warm-up reads: where it runs (an analysis worker), its settings and open texts, and when it was last busy. */
export interface WarmupSource {
  enabled: boolean;
  lastActivity(): number;
  settings(): Readonly<LanguageSettings>;
  texts(): string[];
}

export function createWarmup(source: WarmupSource): Warmup {
  let warm: Iterator<void> | undefined;
  let timer: NodeJS.Timeout | undefined;

  function tick(): void {
    timer = undefined;
    if (!warm) return;
    const idle = Date.now() - source.lastActivity();
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
      if (!source.enabled) return;
      warm = warmFormulas(source.settings(), source.texts);
      if (!timer) timer = setTimeout(tick, IDLE_MS);
    },
    stop() {
      if (timer) clearTimeout(timer);
      timer = undefined;
      warm = undefined;
    },
  };
}
