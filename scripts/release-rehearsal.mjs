// A release rehearsal: `changeset version` on a scratch clone of HEAD, as the release
// would run it, then checks what it produced: every package a pending changeset names gets
// a higher version and a CHANGELOG.md entry for it, the changesets are consumed, and no
// internal dependency range is left pointing at an old version. Nothing here is published.
// node scripts/release-rehearsal.mjs [--keep]
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const scratch = await mkdtemp(join(tmpdir(), 'gantry-release-'));
const run = (command, args, cwd) => execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const json = async (path) => JSON.parse(await readFile(path, 'utf8'));

try {
  const clone = join(scratch, 'clone');
  run('git', ['clone', '--quiet', '--no-hardlinks', root, clone], root);
  await symlink(join(root, 'node_modules'), join(clone, 'node_modules'));
  const pending = (await readdir(join(clone, '.changeset'))).filter((file) => file.endsWith('.md') && file !== 'README.md');
  // Which packages the pending changesets name, with the highest bump each asks for.
  const bumps = {};
  const order = ['patch', 'minor', 'major'];
  for (const file of pending) {
    const front = /^---\n([\s\S]*?)\n---/.exec(await readFile(join(clone, '.changeset', file), 'utf8'))?.[1] ?? '';
    for (const [, name, bump] of front.matchAll(/^['"]?([^'":]+)['"]?:\s*(patch|minor|major)\s*$/gm)) {
      if (bumps[name] === undefined || order.indexOf(bump) > order.indexOf(bumps[name])) bumps[name] = bump;
    }
  }
  const before = {};
  for (const entry of await readdir(join(clone, 'packages'))) {
    const manifest = await json(join(clone, 'packages', entry, 'package.json'));
    before[manifest.name] = { folder: entry, version: manifest.version };
  }
  run(process.execPath, [join(root, 'node_modules', '@changesets', 'cli', 'bin.js'), 'version'], clone);

  const problems = [];
  const left = (await readdir(join(clone, '.changeset'))).filter((file) => file.endsWith('.md') && file !== 'README.md');
  if (left.length > 0) problems.push(`changesets not consumed: ${left.join(', ')}`);
  const after = {};
  for (const [name, { folder, version }] of Object.entries(before)) {
    const manifest = await json(join(clone, 'packages', folder, 'package.json'));
    after[name] = manifest.version;
    if (bumps[name] !== undefined) {
      const [major, minor, patch] = version.split('.').map(Number);
      const expected = { major: `${major + 1}.0.0`, minor: `${major}.${minor + 1}.0`, patch: `${major}.${minor}.${patch + 1}` }[bumps[name]];
      if (manifest.version !== expected) problems.push(`${name}: ${version} → ${manifest.version}, expected ${expected} for a ${bumps[name]} change`);
      const changelog = await readFile(join(clone, 'packages', folder, 'CHANGELOG.md'), 'utf8').catch(() => '');
      if (!changelog.includes(`## ${manifest.version}`)) problems.push(`${name}: CHANGELOG.md has no "## ${manifest.version}" section`);
    }
  }
  for (const { folder } of Object.values(before)) {
    const manifest = await json(join(clone, 'packages', folder, 'package.json'));
    for (const [dependency, range] of Object.entries({ ...manifest.dependencies, ...manifest.peerDependencies })) {
      if (after[dependency] !== undefined && !String(range).startsWith('workspace:')) problems.push(`${manifest.name} depends on ${dependency} as ${range}, not through the workspace protocol`);
    }
  }
  const bumped = Object.entries(after).filter(([name, version]) => before[name].version !== version);
  console.log(`release rehearsal: ${pending.length} pending changesets; changeset version would release ${bumped.map(([name, version]) => `${name} ${before[name].version} → ${version}`).join(', ') || 'nothing'}`);
  if (problems.length > 0) {
    console.error(problems.join('\n'));
    process.exitCode = 1;
  }
} finally {
  if (process.argv.includes('--keep')) console.log(`scratch clone kept in ${scratch}`);
  else await rm(scratch, { recursive: true, force: true });
}
