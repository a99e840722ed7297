/**
 * A drawing made to look like an MNIST digit: the ink's bounding box scaled (area-averaged,
 * aspect kept) to fit 20 of 28 pixels, then placed so its centre of mass sits at the centre —
 * how LeCun et al. normalised the digits the model learnt from. White ink on black, 0…255.
 * Pure (no DOM): the tests compute the expected input with this same function.
 */

/** The fraction of the output's side the digit's longer side takes (MNIST: 20 of 28). */
export const DIGIT_BOX = 20 / 28;

/**
 * `ink`: the drawing's intensities (0 = background, 1 = full ink), `w × h`, row by row.
 * Returns `outW × outH` grey bytes, row by row.
 */
export function digitPixels(ink: ArrayLike<number>, w: number, h: number, outW: number, outH: number): number[] {
  const out = new Array<number>(outW * outH).fill(0);
  let x0 = w, y0 = h, x1 = -1, y1 = -1;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (ink[y * w + x] <= 0.01) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  }
  if (x1 < 0) return out;
  const bw = x1 - x0 + 1, bh = y1 - y0 + 1;
  const scale = Math.round(DIGIT_BOX * Math.min(outW, outH)) / Math.max(bw, bh);
  const nw = Math.max(1, Math.round(bw * scale)), nh = Math.max(1, Math.round(bh * scale));
  const small = areaResample(ink, w, { x0, y0, bw, bh }, nw, nh);
  // Centre of mass of the small digit, moved onto the output's centre (kept inside the frame).
  let mass = 0, mx = 0, my = 0;
  for (let y = 0; y < nh; y++) for (let x = 0; x < nw; x++) {
    const v = small[y * nw + x];
    mass += v;
    mx += v * (x + 0.5);
    my += v * (y + 0.5);
  }
  const clamp = (v: number, hi: number) => Math.min(Math.max(v, 0), Math.max(0, hi));
  const ox = clamp(Math.round(outW / 2 - mx / mass), outW - nw);
  const oy = clamp(Math.round(outH / 2 - my / mass), outH - nh);
  for (let y = 0; y < nh && y + oy < outH; y++) {
    for (let x = 0; x < nw && x + ox < outW; x++) out[(y + oy) * outW + x + ox] = Math.round(Math.min(1, Math.max(0, small[y * nw + x])) * 255);
  }
  return out;
}

/** The box `b` of `src` (row width `w`) averaged down to `nw × nh`: each output pixel is the mean of the area it covers. */
function areaResample(src: ArrayLike<number>, w: number, b: { x0: number; y0: number; bw: number; bh: number }, nw: number, nh: number): Float32Array {
  const out = new Float32Array(nw * nh);
  const sx = b.bw / nw, sy = b.bh / nh;
  for (let y = 0; y < nh; y++) {
    const fy0 = y * sy, fy1 = (y + 1) * sy;
    for (let x = 0; x < nw; x++) {
      const fx0 = x * sx, fx1 = (x + 1) * sx;
      let sum = 0, area = 0;
      for (let py = Math.floor(fy0); py < Math.ceil(fy1); py++) {
        const wy = Math.min(fy1, py + 1) - Math.max(fy0, py);
        for (let px = Math.floor(fx0); px < Math.ceil(fx1); px++) {
          const wx = Math.min(fx1, px + 1) - Math.max(fx0, px);
          sum += wx * wy * src[(b.y0 + py) * w + b.x0 + px];
          area += wx * wy;
        }
      }
      out[y * nw + x] = area ? sum / area : 0;
    }
  }
  return out;
}

/** RGBA bytes → grey intensities 0…1 (ITU-R 601 luma, as the trainer reads grey images). */
export function inkOf(rgba: ArrayLike<number>): Float32Array {
  const out = new Float32Array(rgba.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = (0.299 * rgba[i * 4] + 0.587 * rgba[i * 4 + 1] + 0.114 * rgba[i * 4 + 2]) / 255;
  return out;
}
