/**
 * Runs one CLI call in a child process for the fuzz suite (inputs that could abort the process,
 * e.g. a V8 fatal error, must not take the test runner down with them). Prints the outcome as JSON.
 */
import { runCli } from '../../src/cli/main.js';

const argv = JSON.parse(process.argv[2] ?? '[]') as string[];
if (process.argv[3]) process.chdir(process.argv[3]);
let out = '';
let err = '';
const code = await runCli(argv, { out: (t) => (out += t), err: (t) => (err += t), interactive: false });
process.stdout.write(JSON.stringify({ code, out, err }));
