// The guides in docs/guides/ quote the files of this folder instead of holding copies: a
// marker line `<!-- quote: FILE#REGION -->` is followed by a fenced block that must equal the
// lines between `#region REGION` and `#endregion REGION` of examples/guides/FILE.
// node check-quotes.mjs       fails, naming the guide and the region, when a quote differs;
// node check-quotes.mjs --write rewrites the quotes from the files.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const guides = resolve(here, '../../docs/guides');
const write = process.argv.includes('--write');
const MARKER = /^<!-- quote: ([\w.-]+)#([\w-]+) -->\n```(\w+)\n([\s\S]*?)```\n/gm;

async function region(file, name) {
  const lines = (await readFile(join(here, file), 'utf8')).split('\n');
  const start = lines.findIndex((line) => new RegExp(`#region ${name}$`).test(line.trim()));
  const end = lines.findIndex((line, index) => index > start && new RegExp(`#endregion ${name}$`).test(line.trim()));
  if (start < 0 || end < 0) throw new Error(`examples/guides/${file} has no region ${name} (#region ${name} … #endregion ${name})`);
  return `${lines.slice(start + 1, end).join('\n')}\n`;
}

const problems = [];
let quotes = 0;
for (const name of (await readdir(guides)).filter((entry) => entry.endsWith('.md')).sort()) {
  const path = join(guides, name);
  const text = await readFile(path, 'utf8');
  let rewritten = text;
  for (const match of text.matchAll(MARKER)) {
    const [whole, file, regionName, language, quoted] = match;
    const actual = await region(file, regionName);
    quotes++;
    if (quoted !== actual) {
      problems.push(`docs/guides/${name}: the quote of ${file}#${regionName} differs from the file`);
      rewritten = rewritten.replace(whole, `<!-- quote: ${file}#${regionName} -->\n\`\`\`${language}\n${actual}\`\`\`\n`);
    }
  }
  if (write && rewritten !== text) await writeFile(path, rewritten);
}
if (quotes === 0) problems.push('docs/guides/ holds no quote markers: nothing was checked');
if (problems.length > 0 && !write) {
  console.error(`${problems.join('\n')}\n(node examples/guides/check-quotes.mjs --write rewrites them from the files)`);
  process.exit(1);
}
console.log(`${quotes} quotes in docs/guides/ ${write ? 'written from' : 'match'} examples/guides/`);
