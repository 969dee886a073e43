#!/usr/bin/env node
// When do VCAGAN's categories lose their real data? Reads the P(C) history of run folders
// (metrics.jsonl) and, between two logged steps t and t + Δ, infers the mean of Q(x_real)
// that the EMA saw for each category: q = (P_{t+Δ} − d^Δ P_t) / (1 − d^Δ), d the prior's
// decay (from config.json). A category is starved in an interval when q < 0.002 (it wins
// almost no real data); its starving step is the first logged step from which it stays
// starved to the end of the run. P(C) frozen during a warm-up has no information: those
// intervals are skipped.
// Usage: node scripts/prior-history.mjs RUN_FOLDER [RUN_FOLDER ...]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const STARVED = 0.002;

function analyse(run) {
  const config = JSON.parse(readFileSync(join(run, 'config.json'), 'utf8'));
  const decay = config.recipeOptions.priorDecay ?? 0.999;
  const warmup = config.recipeOptions.warmupSteps ?? 0;
  const history = readFileSync(join(run, 'metrics.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line))
    .filter((entry) => entry.step > warmup);
  if (history.length < 2) return { run, warmup, starvedFrom: null };
  const categories = history[0].prior.length;
  const starvedFrom = new Array(categories).fill(null);
  for (let i = 1; i < history.length; i++) {
    const [before, after] = [history[i - 1], history[i]];
    const kept = decay ** (after.step - before.step);
    for (let k = 0; k < categories; k++) {
      const q = (after.prior[k] - kept * before.prior[k]) / (1 - kept);
      if (q >= STARVED) starvedFrom[k] = null;
      else if (starvedFrom[k] === null) starvedFrom[k] = before.step;
    }
  }
  const last = history[history.length - 1];
  return { run, warmup, starvedFrom, final: last.prior, step: last.step };
}

for (const run of process.argv.slice(2)) {
  const { warmup, starvedFrom, final, step } = analyse(run);
  if (starvedFrom === null) {
    console.log(`${run}: fewer than two logged steps after the warm-up (${warmup}): nothing to read yet`);
    continue;
  }
  const starved = starvedFrom.map((from, k) => ({ k, from })).filter(({ from }) => from !== null);
  const alive = final.map((p, k) => ({ k, p })).filter(({ k }) => starvedFrom[k] === null);
  console.log(
    `${run}: warm-up ${warmup}; ${starved.length} categories starved, from steps [${starved.map(({ from }) => from).sort((a, b) => a - b).join(', ')}]; ` +
      `${alive.length} fed to step ${step}: P = [${alive.map(({ p }) => p.toFixed(3)).join(', ')}]`,
  );
}
