/**
 * Whole-network costs of the convolutional architectures through ConvBatch and the network solver
 * (issue 14; for choosing the defaults of the conv runs), one thread, f64, one measurement each:
 *
 *   smoke   ResNet20 at width 0.25 on the first 16 MNIST digits reduced to 16×16: S by Lanczos
 *           (default tol 1e-4, ≤ 40 HVPs) at θ₀, 5 GD steps at η = 1/S₀, S again; wall times.
 *   table   vgg11-bn and resnet20 on synthetic 32×32×3 images (gaussian pixels, 10 one-hot classes)
 *           at widths 1/8, 1/4, 1/2 and n = 64, 256: the time of one gradient (forward + backward
 *           at a new θ) and of one HVP at that θ (the R-passes, forward and backward kept, as in
 *           Lanczos). GFLOP/s counts a gradient as 3 × the forward's 2·MACs flops and an HVP as
 *           2 × a gradient (forwardMacsPerSample of architectures.ts). A combination whose
 *           gradient + HVP is predicted (from the rate measured just before) to take over 20 s is
 *           skipped, as is one whose buffers do not fit WASM's 4 GiB.
 *
 * Each timed call follows one untimed gradient and HVP at another θ (every buffer touched once).
 * Run: `node --import tsx bench/conv-solver.bench.ts [smoke] [table]` (both by default).
 */
import { Sfc32 } from '../src/base/random.js';
import { loadImages } from '../src/data/images.js';
import {
  initialArchitectureParameters,
  netArchitecture,
  type ArchitectureName,
} from '../src/engines/conv/architectures.js';
import { ConvBatch } from '../src/engines/conv/batch.js';
import { NetworkSolver } from '../src/engines/networkSolver.js';

const args = process.argv.slice(2);
const want = (what: string): boolean => args.length === 0 || args.includes(what);
const seconds = (from: number): number => (performance.now() - from) / 1000;

async function smoke(): Promise<void> {
  const t0 = performance.now();
  const images = loadImages({ data: 'mnist', n: 16, inputSize: 16 });
  const net = netArchitecture({
    architecture: 'resnet20',
    input: { height: images.height, width: images.width, channels: images.channels },
    classes: images.classes,
    width: 0.25,
  });
  const batch = ConvBatch.ofImages(net.spec, images);
  const solver = new NetworkSolver(batch);
  const theta0 = initialArchitectureParameters(net, 0);
  const setup = seconds(t0);
  let t = performance.now();
  const s0 = await solver.sharpness(theta0);
  const lanczos0 = seconds(t);
  const eta = 1 / s0.value;
  t = performance.now();
  const gd = await solver.gradientDescent(theta0, eta, 5);
  const gdTime = seconds(t);
  t = performance.now();
  const s5 = await solver.sharpness(gd.theta, { start: s0.vector });
  const lanczos5 = seconds(t);
  const loss5 = await batch.loss(gd.theta);
  console.log(
    JSON.stringify(
      {
        smoke: 'resnet20 width 0.25, 16 MNIST digits at 16×16, 10 classes',
        parameters: batch.parameterCount,
        shards: batch.shards,
        S0: s0.value,
        S0_hvps: s0.iterations,
        S0_residual: s0.residual,
        eta,
        losses: [...gd.losses, loss5],
        S5: s5.value,
        S5_hvps: s5.iterations,
        S5_residual: s5.residual,
        seconds: { setup, lanczos0, gd5: gdTime, lanczos5, total: seconds(t0) },
      },
      null,
      1,
    ),
  );
}

async function table(): Promise<void> {
  const rows: string[] = [
    '| arch | width | n | P | fwd MFLOP/sample | gradient s | HVP s | gradients/s | HVPs/s | GFLOP/s grad | GFLOP/s HVP |',
  ];
  rows.push('|---|---|---|---|---|---|---|---|---|---|---|');
  let rate = 1e9; // flop/s guess before the first measurement
  for (const architecture of ['resnet20', 'vgg11-bn'] as ArchitectureName[]) {
    for (const width of [1 / 8, 1 / 4, 1 / 2]) {
      for (const n of [64, 256]) {
        const net = netArchitecture({
          architecture,
          input: { height: 32, width: 32, channels: 3 },
          classes: 10,
          width,
        });
        const forwardFlops = 2 * net.forwardMacsPerSample * n;
        const gradientFlops = 3 * forwardFlops;
        const hvpFlops = 2 * gradientFlops;
        const label = `| ${architecture} | ${width} | ${n} | ${net.layout.parameterCount} | ${((2 * net.forwardMacsPerSample) / 1e6).toFixed(1)} |`;
        const predicted = (gradientFlops + hvpFlops) / rate;
        if (predicted > 20) {
          rows.push(`${label} skipped (≈ ${predicted.toFixed(0)} s predicted) | | | | | |`);
          continue;
        }
        const rng = new Sfc32(n, 1);
        const X = Float64Array.from({ length: n * 32 * 32 * 3 }, () => rng.gaussian());
        const Y = new Float64Array(n * 10);
        for (let i = 0; i < n; i++) Y[i * 10 + (i % 10)] = 1;
        let batch: ConvBatch;
        try {
          batch = new ConvBatch(net.spec, { n, X, Y });
        } catch (error) {
          rows.push(`${label} skipped (${(error as Error).message}) | | | | | |`);
          continue;
        }
        const theta = initialArchitectureParameters(net, 1);
        const v = Float64Array.from({ length: theta.length }, () => rng.gaussian());
        const out = new Float64Array(theta.length);
        // first touch of every buffer (the R-passes' too) and of every step list
        await batch.gradient(theta, out);
        await batch.hvp(theta, v, out);
        const moved = theta.map((x) => x * (1 + 1e-3));
        let t = performance.now();
        await batch.gradient(moved, out);
        const gradient = seconds(t);
        t = performance.now();
        await batch.hvp(moved, v, out);
        const hvp = seconds(t);
        rate = (gradientFlops + hvpFlops) / (gradient + hvp);
        rows.push(
          `${label} ${gradient.toFixed(3)} | ${hvp.toFixed(3)} | ${(1 / gradient).toFixed(2)} | ${(1 / hvp).toFixed(2)} | ${(gradientFlops / gradient / 1e9).toFixed(2)} | ${(hvpFlops / hvp / 1e9).toFixed(2)} |`,
        );
        console.error(rows.at(-1));
      }
    }
  }
  console.log(rows.join('\n'));
}

if (want('smoke')) await smoke();
if (want('table')) await table();
