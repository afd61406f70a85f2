// How the fig9 preset was found (src/base/presets.ts): scan the fig3 ranges (D = 4, η = 0.1,
// φ₀ ∈ (2/η, 34], p₀ ∈ [0.05, 5]) in several balance directions for runs that keep π > 0 (so φ is
// defined at every step), converge, end with S ≤ 0.8·2/η, and have a loss near the paper's 5.1 at
// the first step with φ ≤ 2/η. Prints, per direction, the largest such loss and the cells near 5.1.
//
//   node --import tsx scripts/fig9-search.ts [--points 40x400]        (≈ 2 min at the default)
import { trajectory } from '../src/api.js';

const ETA = 0.1;
const THRESHOLD = 2 / ETA;
const TARGET = 5.1;
const arg = process.argv.indexOf('--points');
const [nPhi, nP] = (arg > 0 ? (process.argv[arg + 1] ?? '') : '40x400').split('x').map(Number) as [number, number];
const directions = [
  [1, 1, -1, -1],
  [1, 1, 0, -2],
  [2, 1, -1, -2],
  [3, 1, -1, -3],
  [1, 1, 1, -3],
];

for (const direction of directions) {
  let best: { phi0: number; p0: number; loss: number; ratio: number } | undefined;
  const near: string[] = [];
  for (let i = 0; i < nPhi; i++) {
    const phi0 = THRESHOLD + 0.1 + ((34 - THRESHOLD - 0.1) * i) / (nPhi - 1);
    for (let j = 0; j < nP; j++) {
      const p0 = 0.05 + ((5 - 0.05) * j) / (nP - 1);
      const t = trajectory({ phi0, p0, eta: ETA, direction, steps: 20000, tol: 1e-14, divergeAt: 1e6 });
      if (t.outcome !== 'converged' || !t.product.every((p) => p > 0)) continue;
      const ratio = (t.sharpness[t.rows - 1] as number) / THRESHOLD;
      const crossing = t.gfsSharpness.findIndex((phi, k) => k > 0 && phi <= THRESHOLD);
      if (ratio > 0.8 || crossing < 0) continue;
      const loss = t.loss[crossing] as number;
      if (!best || loss > best.loss) best = { phi0, p0, loss, ratio };
      if (Math.abs(loss - TARGET) < 0.5) {
        near.push(
          `φ₀ ${phi0.toFixed(3)} p₀ ${p0.toFixed(3)}: loss ${loss.toFixed(3)} at step ${crossing}, S∞ = ${ratio.toFixed(3)}·2/η`,
        );
      }
    }
  }
  console.log(`direction (${direction.join(', ')}): largest loss at the crossing ${best ? best.loss.toFixed(3) : '—'}`);
  console.log(
    `  ${near.length} cells within 5.1 ± 0.5${near.length ? `, e.g.\n  ${near.slice(0, 5).join('\n  ')}` : ''}`,
  );
}
