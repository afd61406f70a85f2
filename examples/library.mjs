// Using eoslab from a Node script: the package root exports the validated API.
// Run after `npm install`: node examples/library.mjs
import { gfs, heatmap, inInvariantSet, initFromGfsSharpness, stabilityThreshold, trajectory } from 'eoslab';

const eta = 0.1;
const w0 = initFromGfsSharpness({ phi0: 26, p0: 1.5 }); // the fig2 initialisation (model.md §2)
const info = gfs(w0);
console.log(`w0 = [${Array.from(w0, (x) => x.toFixed(4)).join(', ')}]`);
console.log(
  `φ(w0) = ${info.gfsSharpness.toFixed(6)}, 2/η = ${stabilityThreshold(eta)}, in 𝕊: ${inInvariantSet(w0, eta).member}`,
);

const run = trajectory({ w0, eta, steps: 3000 });
const last = run.rows - 1;
console.log(
  `after ${last} steps: S = ${run.sharpness[last].toFixed(6)}, φ = ${run.gfsSharpness[last].toFixed(6)}, loss = ${run.loss[last].toExponential(2)}`,
);

const map = await heatmap({ preset: 'fig3', resolution: 64, workers: 2 });
console.log(`64×64 fig3 heatmap: ${JSON.stringify(map.counts)} in ${map.wallSeconds.toFixed(2)} s`);
