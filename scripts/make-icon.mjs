// Draws media/icon.png (128×128): a small layered network on a rounded tile. Re-run after
// changing the drawing: `node scripts/make-icon.mjs`. Supersampled 4× for smooth edges.
import { writeFileSync } from 'node:fs';
import { PNG } from 'pngjs';

const N = 128;
const S = 4; // supersampling

const hex = (h) => [parseInt(h.slice(1, 3), 16), parseInt(h.slice(3, 5), 16), parseInt(h.slice(5, 7), 16)];
const bgTop = hex('#2b5876');
const bgBottom = hex('#1b2f45');
const edge = hex('#8fb8d8');
const node = [hex('#ffd166'), hex('#06d6a0'), hex('#ef476f')];

// Network: 3 → 4 → 2 nodes, columns at x = 30, 64, 98.
const layers = [
  [34, 64, 94].map((y) => [28, y]),
  [26, 52, 76, 102].map((y) => [64, y]),
  [48, 80].map((y) => [100, y]),
];
const R = 9; // node radius

function segDist(px, py, [ax, ay], [bx, by]) {
  const dx = bx - ax, dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

function inTile(x, y) {
  const r = 24, m = 2;
  const cx = Math.min(Math.max(x, m + r), N - m - r), cy = Math.min(Math.max(y, m + r), N - m - r);
  return Math.hypot(x - cx, y - cy) <= r && x >= m && y >= m && x <= N - m && y <= N - m;
}

function sample(x, y) {
  if (!inTile(x, y)) return [0, 0, 0, 0];
  for (let l = 0; l < layers.length; l++) {
    for (const c of layers[l]) {
      const d = Math.hypot(x - c[0], y - c[1]);
      if (d <= R) return d > R - 2 ? [255, 255, 255, 255] : [...node[l], 255];
    }
  }
  for (let l = 0; l + 1 < layers.length; l++) {
    for (const a of layers[l]) for (const b of layers[l + 1]) if (segDist(x, y, a, b) <= 1.1) return [...edge, 255];
  }
  const t = y / N;
  return [...bgTop.map((v, i) => Math.round(v * (1 - t) + bgBottom[i] * t)), 255];
}

const png = new PNG({ width: N, height: N });
for (let y = 0; y < N; y++) {
  for (let x = 0; x < N; x++) {
    const acc = [0, 0, 0, 0];
    for (let sy = 0; sy < S; sy++) {
      for (let sx = 0; sx < S; sx++) {
        const c = sample(x + (sx + 0.5) / S, y + (sy + 0.5) / S);
        // premultiplied accumulation
        acc[0] += (c[0] * c[3]) / 255; acc[1] += (c[1] * c[3]) / 255; acc[2] += (c[2] * c[3]) / 255; acc[3] += c[3];
      }
    }
    const a = acc[3] / (S * S);
    const i = (y * N + x) * 4;
    png.data[i] = a ? Math.round((acc[0] / (S * S)) * 255 / a) : 0;
    png.data[i + 1] = a ? Math.round((acc[1] / (S * S)) * 255 / a) : 0;
    png.data[i + 2] = a ? Math.round((acc[2] / (S * S)) * 255 / a) : 0;
    png.data[i + 3] = Math.round(a);
  }
}
writeFileSync(new URL('../media/icon.png', import.meta.url), PNG.sync.write(png));
console.log('wrote media/icon.png');
