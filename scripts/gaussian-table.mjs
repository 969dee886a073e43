// Prints the summary.json of every run under a folder as the markdown table of docs/results/gaussian.md.
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';

const root = process.argv[2] ?? 'runs/gaussian';
const rows = [];
for (const name of (await readdir(root)).sort()) {
  let summary;
  let config;
  try {
    summary = JSON.parse(await readFile(join(root, name, 'summary.json'), 'utf8'));
    config = JSON.parse(await readFile(join(root, name, 'config.json'), 'utf8'));
  } catch {
    continue;
  }
  const m = summary.mixture;
  const categories = m.categories.map((c) => `${c.probability.toFixed(3)}→${c.component ?? '-'} (${c.purity.toFixed(2)})`).join(', ');
  rows.push(
    `| ${name} | ${config.recipe} | ${config.recipeOptions.lambdaCreg ?? '-'} | ${config.seed} | ${summary.step} | ${m.categories.length} | ${m.distinctComponents ? 'yes' : 'no'} | ${categories} | ${m.totalVariation.toFixed(3)} | ${m.highQualityFraction.toFixed(3)} | ${m.modesCovered} | ${summary.entropy.toFixed(3)} | ${summary.clustering === null ? '-' : summary.clustering.accuracy.toFixed(3)} | ${summary.clustering === null ? '-' : summary.clustering.nmi.toFixed(3)} |`,
  );
}
console.log('| run | recipe | λ_creg | seed | steps | categories ≥ 1% | each on its own component | P(c)→component (purity) | TV to [0.1, 0.4, 0.2, 0.3] | high-quality fraction | modes | H(C) | ACC | NMI |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const row of rows) console.log(row);
