// Writes the files of guide "Train on your own data" (docs/guides/own-data.md) into a folder:
// points.csv (x, y and a label column), points.json (the same points, no labels) and
// shapes/, 28×28 grey PNGs of squares and discs. node make-data.mjs FOLDER
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PNG } from 'pngjs';

const folder = process.argv[2] ?? 'data';
await mkdir(join(folder, 'shapes'), { recursive: true });
// A fixed pseudo-random stream (a linear congruential generator), so the files never change.
let state = 12345;
const uniform = () => ((state = (1103515245 * state + 12345) % 2 ** 31) / 2 ** 31);
const normal = () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());

// Three clusters, 600 points, the third twice as likely as each of the others.
const centers = [[-2, 0], [2, 0], [0, 2.5]];
const rows = Array.from({ length: 600 }, () => {
  const label = uniform() < 0.25 ? 0 : uniform() < 1 / 3 ? 1 : 2;
  const [cx, cy] = centers[label];
  return [cx + 0.3 * normal(), cy + 0.3 * normal(), label];
});
await writeFile(join(folder, 'points.csv'), `x,y,label\n${rows.map(([x, y, label]) => `${x.toFixed(4)},${y.toFixed(4)},${label}`).join('\n')}\n`);
await writeFile(join(folder, 'points.json'), JSON.stringify(rows.map(([x, y]) => [Number(x.toFixed(4)), Number(y.toFixed(4))])));

for (let i = 0; i < 64; i++) {
  const png = new PNG({ width: 28, height: 28, colorType: 0 });
  const size = 5 + Math.floor(uniform() * 6);
  const [cx, cy] = [8 + uniform() * 12, 8 + uniform() * 12];
  for (let y = 0; y < 28; y++) {
    for (let x = 0; x < 28; x++) {
      const inside = i % 2 === 0 ? Math.abs(x - cx) <= size && Math.abs(y - cy) <= size : (x - cx) ** 2 + (y - cy) ** 2 <= size ** 2;
      png.data.fill(inside ? 255 : 0, 4 * (28 * y + x), 4 * (28 * y + x) + 3);
      png.data[4 * (28 * y + x) + 3] = 255;
    }
  }
  await writeFile(join(folder, 'shapes', `shape-${String(i).padStart(2, '0')}.png`), PNG.sync.write(png, { colorType: 0 }));
}
console.log(`wrote ${folder}/points.csv, ${folder}/points.json and 64 PNGs in ${folder}/shapes/`);
