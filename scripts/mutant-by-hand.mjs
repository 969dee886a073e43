// Applies mutants from a StrykerJS report one at a time and runs the tests you name, to check
// a report's verdicts by hand: a survivor that a new test should kill, a timeout that may be
// a slow run rather than a hang. The file is restored after each mutant (and on Ctrl-C), and
// a run past --seconds is stopped with every process it started.
// node scripts/mutant-by-hand.mjs --report artifacts/mutation/metrics/mutation.json --package metrics
//   --file src/frechet.ts [--status Survived,NoCoverage] [--line 105] [--seconds 60] -- src/frechet.test.ts ...
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { clearTimeout, setTimeout } from 'node:timers';
import { parseArgs } from 'node:util';

const root = resolve(import.meta.dirname, '..');
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    report: { type: 'string' },
    package: { type: 'string' },
    file: { type: 'string' },
    status: { type: 'string', default: 'Survived,NoCoverage' },
    line: { type: 'string' },
    seconds: { type: 'string', default: '120' },
  },
});
for (const name of ['report', 'package', 'file']) {
  if (values[name] === undefined) {
    console.error(`mutant-by-hand: --${name} is required`);
    process.exit(2);
  }
}
const packageDir = join(root, 'packages', values.package);
const target = join(packageDir, values.file);
const report = JSON.parse(readFileSync(resolve(values.report), 'utf8'));
const entry = Object.entries(report.files).find(([path]) => path.endsWith(`/${values.package}/${values.file}`) || path === values.file);
if (entry === undefined) {
  console.error(`mutant-by-hand: the report has no ${values.file}`);
  process.exit(2);
}
const [, data] = entry;
const original = readFileSync(target, 'utf8');
if (data.source !== original) {
  console.error(`mutant-by-hand: ${values.file} has changed since the report; its locations no longer hold`);
  process.exit(2);
}
const restore = () => writeFileSync(target, original);
process.on('SIGINT', () => {
  restore();
  process.exit(130);
});

// Stryker's locations: lines and columns from 1.
const lineStarts = [0];
for (let i = 0; i < original.length; i++) if (original[i] === '\n') lineStarts.push(i + 1);
const offset = ({ line, column }) => lineStarts[line - 1] + column - 1;

/** Runs the tests in their own process group; resolves with 'passed', 'failed' or 'timeout'. */
function runTests() {
  return new Promise((done) => {
    const child = spawn(process.execPath, [join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', ...positionals], { cwd: packageDir, stdio: 'ignore', detached: true });
    const timer = setTimeout(() => {
      process.kill(-child.pid, 'SIGKILL');
      done('timeout');
    }, Number(values.seconds) * 1000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      done(code === 0 ? 'passed' : 'failed');
    });
  });
}

const statuses = values.status.split(',');
const verdicts = { passed: 'SURVIVES', failed: 'killed', timeout: 'TIMEOUT' };
try {
  for (const mutant of data.mutants) {
    if (!statuses.includes(mutant.status)) continue;
    if (values.line !== undefined && mutant.location.start.line !== Number(values.line)) continue;
    const [from, to] = [offset(mutant.location.start), offset(mutant.location.end)];
    writeFileSync(target, original.slice(0, from) + mutant.replacement + original.slice(to));
    const outcome = await runTests();
    restore();
    const text = original.slice(from, to).replace(/\s+/g, ' ').slice(0, 60);
    console.log(`${verdicts[outcome].padEnd(8)} ${values.file}:${mutant.location.start.line}:${mutant.location.start.column} ${mutant.mutatorName} (${mutant.status}) ${JSON.stringify(text)} -> ${JSON.stringify(mutant.replacement.replace(/\s+/g, ' ').slice(0, 60))}`);
  }
} finally {
  restore();
}
