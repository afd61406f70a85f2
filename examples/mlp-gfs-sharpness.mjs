// A fully connected network on MNIST digits from a Node script (model.md §5): GD at the edge of
// stability, the sharpness S by Lanczos and the GFS sharpness φ by RK4 gradient flow.
// Run after `npm install`: node examples/mlp-gfs-sharpness.mjs [n]
import { MlpEngine, loadDigits, stabilityThreshold } from 'eoslab';

const n = Number(process.argv[2] ?? 200);
const eta = 0.04;
const digits = loadDigits(n); // first n digits of the mnist package, standardised per channel
const engine = new MlpEngine({ input: 784, hidden: [32, 32], output: 10, activation: 'tanh' }, digits);
let theta = engine.initialParameters(0);
console.log(`${engine.parameterCount} parameters, ${n} digits, η = ${eta} (2/η = ${stabilityThreshold(eta)})`);

let vector; // Lanczos warm start, carried from record to record
for (let t = 0; t <= 60; t += 20) {
  const s = engine.sharpness(theta, { start: vector });
  vector = s.vector;
  const g = engine.gfsSharpness(theta, { lossThreshold: 0.02, maxSteps: 4000, start: vector });
  console.log(
    `step ${t}: loss ${engine.loss(theta).toFixed(4)}, S = ${s.value.toFixed(3)} (${s.iterations} HVPs), ` +
      `φ = ${g.gfsSharpness.toFixed(3)} (${g.status} after ${g.steps} RK4 steps, flow time ${g.time.toFixed(2)})`,
  );
  theta = engine.gradientDescent(theta, eta, 20).theta;
}
