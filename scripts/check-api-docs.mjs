// Fails unless the generated API site (docs/api) documents every name each package's
// public entries export (src/index.ts, and src/node.ts where a package has a Node-only
// subpath): the docs site must list the whole public API.
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';

async function htmlFiles(folder) {
  const entries = await readdir(folder, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((entry) => (entry.isDirectory() ? htmlFiles(join(folder, entry.name)) : entry.name.endsWith('.html') ? [join(folder, entry.name)] : [])),
  );
  return nested.flat();
}

const site = (await Promise.all((await htmlFiles('docs/api')).map((file) => readFile(file, 'utf8')))).join('\n');
const missing = [];
let checked = 0;
for (const name of await readdir('packages')) {
  const entries = (await readdir(join('packages', name, 'src'))).filter((file) => file === 'index.ts' || file === 'node.ts');
  const index = (await Promise.all(entries.map((file) => readFile(join('packages', name, 'src', file), 'utf8')))).join('\n');
  const exported = [...index.matchAll(/export\s+(?:type\s+)?\{([^}]*)\}/g)].flatMap((match) =>
    match[1].split(',').map((part) => part.replace(/\btype\b/, '').trim()).filter(Boolean),
  );
  for (const symbol of exported) {
    checked += 1;
    if (!site.includes(`>${symbol}<`)) missing.push(`${name}: ${symbol}`);
  }
}
if (missing.length > 0) {
  console.error(`docs/api lacks ${missing.length} exported names:\n  ${missing.join('\n  ')}`);
  process.exit(1);
}
console.log(`docs/api documents all ${checked} exported names of ${(await readdir('packages')).length} package(s).`);
