// How much of the fig3 grid ends at the edge of stability? A small analysis on top of heatmap().
// Run: node examples/fig3-eos-fraction.mjs [resolution]
import { heatmap } from 'eoslab';

const resolution = Number(process.argv[2] ?? 128);
const r = await heatmap({ preset: 'fig3', resolution });
const { finalSharpness, status } = r.arrays;
const threshold = 2 / r.run.eta;
let aboveThreshold = 0;
let atEdge = 0;
for (let i = 0; i < r.rows; i++) {
  for (let j = 0; j < r.cols; j++) {
    const k = i * r.cols + j;
    if (status[k] !== 0 || r.xAxis[j] <= threshold) continue;
    aboveThreshold++;
    if (finalSharpness[k] / threshold >= 0.95) atEdge++;
  }
}
console.log(
  `converged cells with φ₀ > 2/η: ${aboveThreshold}; final S ≥ 0.95·2/η: ${atEdge} (${((100 * atEdge) / aboveThreshold).toFixed(1)}%)`,
);
