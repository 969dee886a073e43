// pnpm mutation: StrykerJS 9.6 (10.x needs Node 22) with its vitest runner, one package at
// a time, each with its own incremental file, so a second run re-tests only what changed.
// Reports: artifacts/mutation/<package>/index.html and mutation.json; the score per package
// is printed at the end. Not part of CI: a full run takes hours on 2 cores.
// node scripts/mutation.mjs [--packages priors,losses] [--concurrency 2] [--timeout-ms 15000] [--force]
import { spawnSync } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(import.meta.dirname, '..');
const MUTATION_CONFIG = 'vitest.mutation.config.mjs';
const { values } = parseArgs({
  options: {
    packages: { type: 'string', default: 'losses,priors,metrics,trainer,vcagan,baselines,models,backend' },
    concurrency: { type: 'string', default: '2' },
    // Added to 1.5 times the covering tests' own time before a mutant counts as timed out
    // (an infinite loop): the slowest covering tests (the reference classifier's, 11 s) are
    // already in that time.
    'timeout-ms': { type: 'string', default: '15000' },
    force: { type: 'boolean', default: false },
  },
});

// The backend's kernels (wasm-kernels.ts and the hand-assembled gemm, element-wise and
// assembly files), its second-order patch and its thread start-up are proven bit for bit or
// against finite differences by their own tests; the issue asks for its non-kernel code.
const EXCLUDED = {
  backend: [
    'src/testing.ts',
    'src/wasm-kernels.ts',
    'src/gemm-kernel.ts',
    'src/elementwise-kernels.ts',
    'src/wasm-assembly.ts',
    'src/higher-order-gradients.ts',
    'src/wasm-threads-node.ts',
    'src/platform-browser.ts',
    'src/index.browser.ts',
  ],
};

const scores = [];
for (const name of values.packages.split(',')) {
  const folder = join(root, 'packages', name);
  const reports = join(root, 'artifacts', 'mutation', name);
  await mkdir(reports, { recursive: true });
  const config = {
    $schema: join(root, 'node_modules', '@stryker-mutator', 'core', 'schema', 'stryker-schema.json'),
    packageManager: 'pnpm',
    testRunner: 'vitest',
    plugins: ['@stryker-mutator/vitest-runner'],
    // The package's own vitest config with UnloadableFileAsFailedTest (see that file): written
    // into the package for the run, so that Stryker's sandbox copy has it, and removed after.
    vitest: { configFile: MUTATION_CONFIG },
    // Test helpers (src/test-support/) are not the package's code: a mutant there changes
    // what the tests check, not what users run.
    mutate: ['src/**/*.ts', '!src/**/*.test.ts', '!src/test-support/**', ...(EXCLUDED[name] ?? []).map((file) => `!${file}`)],
    coverageAnalysis: 'perTest',
    concurrency: Number(values.concurrency),
    timeoutMS: Number(values['timeout-ms']),
    incremental: true,
    incrementalFile: join(reports, 'incremental.json'),
    force: values.force,
    reporters: ['clear-text', 'progress-append-only', 'html', 'json'],
    htmlReporter: { fileName: join(reports, 'index.html') },
    jsonReporter: { fileName: join(reports, 'mutation.json') },
    // The default sandbox folder, inside the package: Stryker rewrites the tsconfig's relative
    // `extends` (../../tsconfig.base.json) for that depth.
    cleanTempDir: 'always',
  };
  const configFile = join(reports, 'stryker.config.json');
  await writeFile(configFile, `${JSON.stringify(config, null, 2)}\n`);
  const vitestConfig = join(folder, MUTATION_CONFIG);
  await writeFile(
    vitestConfig,
    [
      "import { mergeConfig } from 'vitest/config';",
      "import base from './vitest.config.ts';",
      `import { UnloadableFileAsFailedTest } from ${JSON.stringify(pathToFileURL(join(root, 'scripts', 'mutation-reporter.mjs')).href)};`,
      '',
      'export default mergeConfig(base, { test: { reporters: [new UnloadableFileAsFailedTest()] } });',
      '',
    ].join('\n'),
  );
  const started = performance.now();
  const run = spawnSync(process.execPath, [join(root, 'node_modules', '@stryker-mutator', 'core', 'bin', 'stryker.js'), 'run', configFile], { cwd: folder, stdio: 'inherit' });
  await rm(vitestConfig, { force: true });
  const minutes = (performance.now() - started) / 60_000;
  if (run.status !== 0) {
    scores.push(`${name}: stryker exited with ${run.status} after ${minutes.toFixed(1)} min`);
    continue;
  }
  const report = JSON.parse(await readFile(join(reports, 'mutation.json'), 'utf8'));
  const mutants = Object.values(report.files).flatMap((file) => file.mutants);
  const count = (status) => mutants.filter((mutant) => mutant.status === status).length;
  const detected = count('Killed') + count('Timeout');
  const valid = mutants.length - count('CompileError') - count('RuntimeError') - count('Ignored');
  scores.push(`${name}: mutation score ${((100 * detected) / valid).toFixed(1)}% (${detected} of ${valid} detected: ${count('Killed')} killed, ${count('Timeout')} timed out; ${count('Survived')} survived, ${count('NoCoverage')} without coverage; ${count('Ignored')} ignored) in ${minutes.toFixed(1)} min`);
}
console.log(`\n${scores.join('\n')}`);
