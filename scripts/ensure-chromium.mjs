#!/usr/bin/env node
// The browser tests drive Debian's Chromium (never a downloaded browser). This installs it
// with apt-get when it is missing, as root or through sudo, and fails loudly otherwise:
// the tests must run, not skip.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (existsSync(path)) {
  console.log(`ensure-chromium: using ${path}`);
  process.exit(0);
}
if (process.env.CHROMIUM_PATH !== undefined) {
  console.error(`ensure-chromium: CHROMIUM_PATH=${path} does not exist`);
  process.exit(1);
}
const root = typeof process.getuid === 'function' && process.getuid() === 0;
const hasSudo = !root && existsSync('/usr/bin/sudo');
if (!existsSync('/usr/bin/apt-get') || (!root && !hasSudo)) {
  console.error(`ensure-chromium: ${path} is missing and cannot be installed here (needs apt-get as root or with sudo). Install Debian's chromium, or set CHROMIUM_PATH to a Chromium binary.`);
  process.exit(1);
}
const apt = (...args) => {
  const [command, rest] = root ? ['apt-get', args] : ['sudo', ['-n', 'apt-get', ...args]];
  console.log(`ensure-chromium: ${[command, ...rest].join(' ')}`);
  execFileSync(command, rest, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
};
try {
  apt('install', '-y', '--no-install-recommends', 'chromium');
} catch {
  // Stale or empty package lists: refresh them once and retry.
  apt('update');
  apt('install', '-y', '--no-install-recommends', 'chromium');
}
if (!existsSync(path)) {
  console.error(`ensure-chromium: apt-get finished but ${path} is still missing`);
  process.exit(1);
}
console.log(`ensure-chromium: installed ${path}`);
