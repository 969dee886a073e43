#!/usr/bin/env node
import { main } from './cli.js';

process.exitCode = await main(process.argv.slice(2), { out: (line) => process.stdout.write(`${line}\n`), err: process.stderr, cwd: process.cwd() });
