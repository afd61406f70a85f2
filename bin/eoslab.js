#!/usr/bin/env node
// The eoslab CLI entry point: runs the compiled CLI from dist/ (built by `npm install`).
import { runCli } from '../dist/cli/main.js';

process.exitCode = await runCli(process.argv.slice(2));
