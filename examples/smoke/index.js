// Smoke run: pick the best backend on this machine, then check that the gradients of the
// two penalties VCAGAN differentiates twice, R1 and the classifier gradient penalty
// (Eq. 6), as @gantry/losses computes them, match central finite differences through a
// small integrated D*.
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { checkGradients, createRandom, selectBackend } from '@gantry/backend';
import { argmaxOneHot, classifierGradientPenalty, conditionalLogits, r1Penalty } from '@gantry/losses';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'auto' },
    seed: { type: 'string', default: '1' },
    quiet: { type: 'boolean', default: false },
  },
});

const selection = await selectBackend(values.backend);
console.log(`backend: ${selection.backend} (${selection.reason})`);
for (const { backend, reason } of selection.skipped) console.log(`  skipped ${backend}: ${reason}`);

const random = createRandom(Number(values.seed));
const categories = 4;
const parameter = (name, shape, std) => tf.variable(random.normal(shape, 0, std), true, name);
const w1 = parameter('hidden1', [2, 32], 0.7);
const w2 = parameter('hidden2', [32, 32], 0.25);
const adversarial = parameter('adversarial_head', [32, categories], 0.25);
const classifier = parameter('classifier_head', [32, categories], 0.25);
const x = tf.keep(random.normal([16, 2], 0, 1.5));

/** D*(x): shared hidden layers, then an adversarial vector and class logits (Algorithm 1, lines 5-6). */
function discriminator(input) {
  const h = tf.leakyRelu(tf.matMul(tf.leakyRelu(tf.matMul(input, w1), 0.2), w2), 0.2);
  return { a: tf.matMul(h, adversarial), logits: tf.matMul(h, classifier) };
}

/** The virtual label argmax onehot(Q(x)) (Algorithm 1, line 7); constant for the gradient. */
const virtualLabel = tf.tidy(() => argmaxOneHot(discriminator(x).logits));

const penalties = {
  // Each penalty with the parameters it depends on. R1: E||∇x (a·c_r)||² on real data (Mescheder et al. 2018), the CAGAN logit of the virtual label.
  R1: [[w1, w2, adversarial], () => r1Penalty({ discriminator: (input) => conditionalLogits({ adversarial: discriminator(input).a, labels: virtualLabel }), real: x })],
  // L_creg: E||∇x (Q(x)·argmax onehot(Q(x)))||² (Eq. 6).
  L_creg: [[w1, w2, classifier], () => classifierGradientPenalty({ classifier: (input) => discriminator(input).logits, real: x, labels: virtualLabel })],
};

let failures = 0;
for (const [name, [parameters, penalty]] of Object.entries(penalties)) {
  const started = performance.now();
  const result = checkGradients(penalty, parameters, { entriesPerVariable: 6, epsilon: 4e-3 });
  const elapsed = performance.now() - started;
  console.log(
    `${name} = ${result.value.toFixed(6)}: d${name}/dθ vs central finite differences, ${result.entries.length} entries, ` +
      `${result.nonSmoothEntries} at a leakyRelu kink, worst error ratio ${result.worstErrorRatio.toFixed(3)} (pass <= 1): ${result.ok ? 'PASS' : 'FAIL'} [${elapsed.toFixed(0)} ms]`,
  );
  if (!values.quiet) {
    for (const entry of result.entries.filter((_, index) => index % 3 === 0)) {
      const note = entry.nonSmooth ? '  (kink within the step: left out)' : '';
      console.log(`  ${entry.variable}[${entry.index}]  analytic ${entry.analytic.toFixed(6)}  numeric ${entry.numeric.toFixed(6)}${note}`);
    }
  }
  if (!result.ok) failures += 1;
}
tf.dispose([x, virtualLabel, w1, w2, adversarial, classifier]);
process.exitCode = failures === 0 ? 0 : 1;
