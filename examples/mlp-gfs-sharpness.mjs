// A fully connected network on MNIST digits from a Node script (model.md §5): GD at the edge of
// stability, the sharpness S by Lanczos and the GFS sharpness φ by RK4 gradient flow, with every
// gradient and HVP shared by two worker threads (bit-identical to `workers: 0`, this thread).
// Run after `npm install`: node examples/mlp-gfs-sharpness.mjs [n]
import { createMlpSolver, loadDigits, stabilityThreshold } from 'eoslab';

const n = Number(process.argv[2] ?? 200);
const eta = 0.04;
const digits = loadDigits(n); // first n digits of the mnist package, standardised per channel
const shape = { input: 784, hidden: [32, 32], output: 10, activation: 'tanh' };
const solver = createMlpSolver({ shape, data: digits }, { workers: 2 });
let theta = solver.initialParameters(0);
console.log(`${solver.parameterCount} parameters, ${n} digits, η = ${eta} (2/η = ${stabilityThreshold(eta)})`);

try {
  let vector; // Lanczos warm start, carried from record to record
  for (let t = 0; t <= 60; t += 20) {
    const s = await solver.sharpness(theta, { start: vector });
    vector = s.vector;
    const g = await solver.gfsSharpness(theta, { lossThreshold: 0.02, maxSteps: 4000, start: vector });
    const loss = await solver.loss(theta);
    console.log(
      `step ${t}: loss ${loss.toFixed(4)}, S = ${s.value.toFixed(3)} (${s.iterations} HVPs), ` +
        `φ = ${g.gfsSharpness.toFixed(3)} (${g.status} after ${g.steps} RK4 steps, flow time ${g.time.toFixed(2)})`,
    );
    theta = (await solver.gradientDescent(theta, eta, 20)).theta;
  }
} finally {
  await solver.close(); // ends the worker threads
}
