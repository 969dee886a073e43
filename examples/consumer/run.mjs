// The consumer test: pack every publishable package as a release would, install the tarballs
// with npm (not pnpm) in a scratch folder outside the workspace, and use them as a user would.
// `node run.mjs [--keep]` (--keep leaves the scratch folder and prints where).
import { execFileSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const scratch = await mkdtemp(join(tmpdir(), 'gantry-consumer-'));
const started = performance.now();
const seconds = () => `${((performance.now() - started) / 1000).toFixed(0)} s`;

function run(command, args, cwd) {
  try {
    return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_update_notifier: 'false' } });
  } catch (error) {
    throw new Error(`${command} ${args.join(' ')} (in ${cwd}) failed:\n${error.stdout ?? ''}${error.stderr ?? ''}`, { cause: error });
  }
}

try {
  // 1. Pack: pnpm pack turns the workspace: ranges into the versions a registry would hold.
  const tarballs = join(scratch, 'tarballs');
  const packages = [];
  for (const entry of (await readdir(join(root, 'packages'))).sort()) {
    const manifest = JSON.parse(await readFile(join(root, 'packages', entry, 'package.json'), 'utf8'));
    if (manifest.private === true) continue;
    run('npx', ['-y', 'pnpm@10.34.8', 'pack', '--pack-destination', tarballs], join(root, 'packages', entry));
    packages.push(manifest.name);
  }
  const files = (await readdir(tarballs)).filter((file) => file.endsWith('.tgz')).map((file) => join(tarballs, file));
  if (files.length !== packages.length) throw new Error(`packed ${files.length} tarballs for ${packages.length} packages`);
  console.log(`packed ${packages.length} packages: ${packages.join(', ')} (${seconds()})`);

  // 2. Install with npm, outside the workspace, with the TF.js the packages name as peers.
  const app = join(scratch, 'app');
  await mkdir(app, { recursive: true });
  await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'gantry-consumer', version: '1.0.0', private: true, type: 'module' }, null, 2));
  run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...files, '@tensorflow/tfjs@4.22.0'], app);
  console.log(`npm installed the tarballs and @tensorflow/tfjs@4.22.0 in ${app} (${seconds()})`);
  await cp(join(here, 'consumer'), app, { recursive: true });

  // 3. Plain Node ESM: every public entry, and a few training steps.
  process.stdout.write(run(process.execPath, ['train.mjs'], app));

  // 4. The gantry command from the installed @gantry/cli.
  const trained = run(process.execPath, [join(app, 'node_modules', '@gantry', 'cli', 'dist', 'bin.js'), 'train', '--backend', 'cpu', '--units', '8', '--layers', '2', '--steps', '20', '--out', 'run'], app);
  if (!trained.includes('wrote ')) throw new Error(`gantry train did not finish:\n${trained}`);
  const summary = JSON.parse(await readFile(join(app, 'run', 'summary.json'), 'utf8'));
  console.log(`gantry train (installed bin): 20 steps, summary.json at step ${summary.step}, provenance @gantry/cli ${summary.provenance.packages['@gantry/cli']} (${seconds()})`);

  // 5. TypeScript: the same file under moduleResolution node16 and bundler. skipLibCheck, as
  // users set it: TF.js 4.22's own declarations do not pass strict checks.
  const tsc = join(here, 'node_modules', 'typescript', 'bin', 'tsc');
  const strict = { strict: true, noEmit: true, skipLibCheck: true, target: 'es2022', lib: ['es2022', 'dom'], types: ['node'] };
  for (const [name, options] of [
    ['node16', { module: 'node16', moduleResolution: 'node16' }],
    ['bundler', { module: 'esnext', moduleResolution: 'bundler' }],
  ]) {
    await writeFile(join(app, `tsconfig.${name}.json`), JSON.stringify({ compilerOptions: { ...strict, ...options, types: [] }, files: ['consumer.ts'] }, null, 2));
    run(process.execPath, [tsc, '-p', `tsconfig.${name}.json`], app);
  }
  console.log(`TypeScript ${JSON.parse(await readFile(join(here, 'node_modules', 'typescript', 'package.json'), 'utf8')).version}: consumer.ts type-checks with moduleResolution node16 and bundler (${seconds()})`);

  // 6. A browser bundle with Vite, from the installed packages' browser entries.
  const { build } = await import('vite');
  await build({ root: app, logLevel: 'warn', configFile: false, build: { outDir: join(app, 'web'), emptyOutDir: true, lib: { entry: join(app, 'browser.ts'), formats: ['es'], fileName: 'browser' } } });
  const bundle = await readFile(join(app, 'web', 'browser.js'), 'utf8');
  const nodeBuiltins = bundle.match(/from ["'](node:[a-z_]+|fs|path|child_process|worker_threads)["']/g) ?? [];
  if (nodeBuiltins.length > 0) throw new Error(`the browser bundle imports Node built-ins: ${nodeBuiltins.join(', ')}`);
  console.log(`Vite: browser.ts bundled, ${(bundle.length / 2 ** 20).toFixed(1)} MiB, no Node built-ins (${seconds()})`);
} finally {
  if (process.argv.includes('--keep')) console.log(`kept ${scratch}`);
  else await rm(scratch, { recursive: true, force: true });
}
