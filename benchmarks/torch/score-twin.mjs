#!/usr/bin/env node
// Scores a PyTorch twin's run folder (benchmarks/torch/mnist_twin.py) with Gantry's own
// evaluation: the MNIST reference classifier of @gantry/metrics, the same Fréchet distance,
// class consistency, digits covered, clustering accuracy, one-to-one accuracy and NMI as
// `gantry train` writes. Writes `curves.jsonl` (one line per exported curve point) and
// `summary.json` (the final 10,000 images and the test set's categories) into the folder,
// in Gantry's formats, so `gantry curves --run <twin> --run <gantry run>` plots both.
//
//   node benchmarks/torch/score-twin.mjs <twin folder>
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { loadMnist } from '@gantry/datasets/node';
import { categoryDigits, clusteringAccuracy, featureMoments, frechetDistanceFromMoments, majorityMapping, normalizedMutualInformation, oneToOneAccuracy } from '@gantry/metrics';
import { loadReferenceClassifier } from '@gantry/metrics/node';

const folder = process.argv[2];
if (folder === undefined) {
  console.error('usage: node benchmarks/torch/score-twin.mjs <twin folder>');
  process.exit(2);
}
await tf.setBackend('wasm');
const reference = await loadReferenceClassifier();

/** The reference classifier's digits and features of `x` [n, 28, 28, 1], 500 at a time. */
function read(x) {
  const digits = [];
  const parts = [];
  for (let start = 0; start < x.shape[0]; start += 500) {
    const [d, f] = tf.tidy(() => {
      const chunk = tf.slice(x, start, Math.min(500, x.shape[0] - start));
      return [tf.argMax(reference.logits(chunk), -1), reference.features(chunk)];
    });
    digits.push(...d.dataSync());
    parts.push(f.dataSync());
    tf.dispose([d, f]);
  }
  const values = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((offset, p) => (values.set(p, offset), offset + p.length), 0);
  return { digits, features: { values, dimension: values.length / x.shape[0] } };
}

const test = await loadMnist({ split: 'test' });
const testX = tf.tensor(Float32Array.from(test.values, (v) => v * test.scale + test.offset), [test.size, 28, 28, 1]);
const realMoments = featureMoments(read(testX).features);
testX.dispose();

async function exported(name) {
  const meta = JSON.parse(await readFile(join(folder, `${name}.json`), 'utf8'));
  const bytes = await readFile(join(folder, `${name}.f32`));
  const values = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  if (values.length !== meta.count * 784) throw new Error(`${name}.f32 holds ${values.length} floats, ${name}.json says ${meta.count} images of 784`);
  const x = tf.tensor(values, [meta.count, 28, 28, 1]);
  const readings = read(x);
  x.dispose();
  const report = categoryDigits(meta.categories, readings.digits, meta.prior);
  return { meta, report, frechetDistance: frechetDistanceFromMoments(featureMoments(readings.features), realMoments) };
}

const names = (await readdir(folder)).filter((f) => /^curve-\d+\.json$/.test(f)).map((f) => f.slice(0, -5));
names.sort((a, b) => Number(a.slice(6)) - Number(b.slice(6)));
const lines = [];
for (const name of names) {
  const started = performance.now();
  const { meta, report, frechetDistance } = await exported(name);
  lines.push({ step: meta.step, trainingSeconds: meta.trainingSeconds, evaluationSeconds: Number(((performance.now() - started) / 1000).toFixed(3)), samples: meta.count, frechetDistance, consistency: report.consistency, digitsCovered: report.digitsCovered.length });
  console.log(JSON.stringify(lines.at(-1)));
}
await writeFile(join(folder, 'curves.jsonl'), lines.map((l) => `${JSON.stringify(l)}\n`).join(''));

const { meta, report, frechetDistance } = await exported('final');
const categories = meta.testCategories;
const prior = meta.prior;
const summary = {
  format: 'gantry/torch-twin-summary',
  step: meta.step,
  trainingSeconds: meta.trainingSeconds,
  prior,
  entropy: -prior.reduce((s, p) => (p > 0 ? s + p * Math.log(p) : s), 0),
  significantCategories: prior.flatMap((p, k) => (p >= 0.01 ? [k] : [])),
  clustering: {
    points: categories.length,
    accuracy: clusteringAccuracy(categories, test.labels),
    nmi: normalizedMutualInformation(categories, test.labels),
    oneToOne: oneToOneAccuracy(categories, test.labels),
    mapping: Object.fromEntries([...majorityMapping(categories, test.labels)].sort(([a], [b]) => a - b).map(([c, d]) => [String(c), d])),
  },
  images: { samples: meta.count, categories: report.categories, consistency: report.consistency, digitsCovered: report.digitsCovered, frechetDistance },
};
await writeFile(join(folder, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
console.log(JSON.stringify({ consistency: report.consistency, digitsCovered: report.digitsCovered.length, frechetDistance, accuracy: summary.clustering.accuracy, nmi: summary.clustering.nmi, entropy: summary.entropy }));
