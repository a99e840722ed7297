// Generates reviews.jsonl: short product reviews with a 0/1 sentiment label, from templates and a
// fixed seed, so the text examples train offline. Run: node examples/data/make-reviews.mjs
import { writeFileSync } from 'node:fs';

let s = 12345;
const rand = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
const pick = (a) => a[Math.floor(rand() * a.length)];
const things = ['movie', 'film', 'book', 'phone', 'album', 'game', 'show', 'camera', 'story', 'restaurant'];
const good = ['great', 'wonderful', 'excellent', 'brilliant', 'lovely', 'fantastic', 'superb', 'enjoyable', 'delightful', 'moving'];
const bad = ['terrible', 'awful', 'boring', 'dull', 'broken', 'disappointing', 'poor', 'horrible', 'weak', 'annoying'];
const goodTail = ['i would watch it again', 'highly recommended', 'worth every minute', 'the best this year', 'i loved it', 'a real pleasure'];
const badTail = ['a waste of time', 'i want my money back', 'avoid it', 'i regret buying it', 'not worth it', 'i fell asleep'];
const openers = ['honestly', 'well', 'overall', 'to be fair', 'in short', 'frankly'];
const lines = [];
for (let i = 0; i < 600; i++) {
  const positive = rand() < 0.5 ? 1 : 0;
  const adj = positive ? good : bad;
  const parts = [pick(openers), 'this', pick(things), 'was', pick(adj), 'and', pick(adj)];
  if (rand() < 0.3) parts.push('but', 'the', 'ending', 'was', pick(positive ? bad : good));
  parts.push(',', pick(positive ? goodTail : badTail));
  lines.push(JSON.stringify({ text: parts.join(' ').replace(' ,', ','), positive }));
}
writeFileSync(new URL('./reviews.jsonl', import.meta.url), lines.join('\n') + '\n');
