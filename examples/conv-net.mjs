// A convolutional network from a Node script (model.md §7): ResNet20 (the Fixup repository's layout)
// at a width and input size that fit a laptop, trained by full-batch GD on MNIST digits, with the
// sharpness S and the GFS sharpness φ recorded along the way — the protocol of `eoslab net`, in
// process, on two worker threads (the same bits as `workers: 0`).
// Run after `npm install`: node examples/conv-net.mjs [steps]
import { netExperiment } from 'eoslab';

const steps = Number(process.argv[2] ?? 40);
const e = await netExperiment({
  arch: 'resnet20',
  width: 1, // the published 16/32/64 channels
  n: 8,
  inputSize: 8, // 28×28 digits averaged down to 8×8
  eta: 0.2,
  steps,
  gfsEvery: steps / 2,
  lossThreshold: 0.2,
  flowSteps: 2000,
  sensitivityRecords: 0,
  workers: 2,
});
const run = e.runs[0];
console.log(
  `${e.arch}: ${e.parameterCount} parameters, ${e.n} ${e.images.title} of ${e.shape.join('×')}, η = ${run.eta} (2/η = ${2 / run.eta})`,
);
run.records.step.forEach((t, k) => {
  console.log(
    `step ${t}: loss ${run.records.loss[k].toFixed(4)}, S = ${run.records.sharpness[k].toFixed(3)}, ` +
      `φ = ${run.records.gfsSharpness[k].toFixed(3)} (${run.records.gfsStatus[k]} after ${run.records.flowSteps[k]} RK4 steps)`,
  );
});
