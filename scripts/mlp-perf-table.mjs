// Turns the JSON of `npm run bench:mlp -- --json` into the README's network performance table
// (markdown on stdout): eoslab per precision and worker count, PyTorch per precision and thread
// count, and eoslab with 2 workers over PyTorch's best of 1–2 threads.
// Usage: npm run bench:mlp -- --json > /tmp/mlp.json && node scripts/mlp-perf-table.mjs /tmp/mlp.json
import { readFileSync } from 'node:fs';

const report = JSON.parse(readFileSync(process.argv[2] ?? '/dev/stdin', 'utf8'));
const f = (x) => (x === null || x === undefined || Number.isNaN(x) ? '—' : x.toFixed(1));
const r2 = (x) => (x === null || x === undefined || Number.isNaN(x) ? '—' : `${x.toFixed(2)}×`);
const rows = [
  '| engine | threads | gradients/s | HVPs/s, θ fixed (Lanczos) | HVPs/s, new θ | GD steps/s | RK4 steps/s |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
];
for (const e of report.eoslab) {
  rows.push(
    `| eoslab ${e.precision} | ${e.workers} | ${f(e.gradientsPerSecond)} | ${f(e.hvpsPerSecond)} | ${f(e.hvpsPerSecondNewTheta)} | ${f(e.gdStepsPerSecond)} | ${f(e.rk4StepsPerSecond)} |`,
  );
}
for (const t of report.torch?.results ?? []) {
  rows.push(
    `| PyTorch ${report.torch.version} ${t.precision} | ${t.threads} | ${f(t.gradientsPerSecond)} | ${f(t.hvpsPerSecond)} | ${f(t.hvpsPerSecondNewTheta)} | ${f(t.gdStepsPerSecond)} | ${f(t.rk4StepsPerSecond)} |`,
  );
}
console.log(rows.join('\n'));
if (report.ratiosToTorchBest) {
  console.log('\n| eoslab / best PyTorch | workers | gradients | HVPs, θ fixed | HVPs, new θ | GD steps | RK4 steps |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of report.ratiosToTorchBest) {
    console.log(
      `| ${r.precision} | ${r.workers} | ${r2(r.gradientsPerSecond)} | ${r2(r.hvpsPerSecond)} | ${r2(r.hvpsPerSecondNewTheta)} | ${r2(r.gdStepsPerSecond)} | ${r2(r.rk4StepsPerSecond)} |`,
    );
  }
}
console.log('\n| 2 workers / 1 | gradients | HVPs, θ fixed | HVPs, new θ | GD steps | RK4 steps |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
for (const s of report.twoWorkersOverOne) {
  console.log(
    `| ${s.precision} | ${r2(s.gradientsPerSecond)} | ${r2(s.hvpsPerSecond)} | ${r2(s.hvpsPerSecondNewTheta)} | ${r2(s.gdStepsPerSecond)} | ${r2(s.rk4StepsPerSecond)} |`,
  );
}
const t = report.transportMsPerOperation;
console.log(
  `\nTransport per operation: shared memory ${t.sharedMs.toFixed(2)} ms, transferred messages ${t.transferMs.toFixed(2)} ms.`,
);
