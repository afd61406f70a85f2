#!/usr/bin/env node
// The eoslab CLI entry point: runs the compiled CLI from dist/ (built by `npm install`), loading
// only the command that runs.
import { runCliLazily } from '../dist/cli/entry.js';

process.exitCode = await runCliLazily(process.argv.slice(2));
