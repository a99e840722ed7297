/**
 * The samplers' seeded random numbers: sfc32 (Chris Doty-Humphrey's small fast counter, 32-bit)
 * keyed by the search's seed and the trial's number through splitmix32, so that each trial's
 * draws depend on nothing but (seed, trialNumber): a resumed or parallel search samples the
 * same values for the same trial number, whatever order trials finish in.
 */
import type { Rng } from './types';

/** splitmix32's finaliser: a well-mixed 32-bit value from any 32-bit input. */
function mix32(x: number): number {
  let z = (x + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** A generator of uniform numbers in [0, 1) for trial `trialNumber` of a search seeded `seed`. */
export function createRng(seed: number, trialNumber: number): Rng {
  // Seeds may be any integer (negative or beyond 32 bits): fold the high part in.
  const s = Math.trunc(seed);
  const lo = s | 0;
  const hi = Math.floor(s / 2 ** 32) | 0;
  let a = mix32(lo ^ mix32(hi));
  let b = mix32(a ^ Math.trunc(trialNumber));
  let c = mix32(b ^ 0x6a09e667);
  let d = 1;
  const next32 = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  // The first outputs of a freshly keyed sfc32 are still correlated with the key.
  for (let i = 0; i < 12; i++) next32();
  return {
    // 53 random bits, as Math.random's doubles carry.
    next: () => (next32() * 2 ** 21 + (next32() >>> 11)) / 2 ** 53,
  };
}

/** An integer in [0, n). */
export function randomIndex(rng: Rng, n: number): number {
  return Math.min(n - 1, Math.floor(rng.next() * n));
}
