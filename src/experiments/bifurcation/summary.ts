/**
 * What the bifurcation figures report (Kreisler et al. 2023, Figs 4, 10, 11): orbits per period,
 * the first φ of an axis where an orbit class appears (period doubling, chaos, divergence), Fig 11's
 * classes of GD iterates, and the summary of each figure (printed and written to manifest.json).
 */
import { join } from 'node:path';
import type { BifurcationResult } from './chunks.js';
import type { GdRun } from './gdRun.js';
import { OrbitStatus, orbitStatusLabel } from './settings.js';

/** Classes of Fig 11, in drawing order (chaotic last, on top). */
export const FIG11_CLASSES = [
  { label: 'outside 𝕊', color: '#252525', width: 0.6 },
  { label: 'period 1', color: '#1f3b73', width: 0.8 },
  { label: 'period 2', color: '#1b9e77', width: 0.8 },
  { label: 'period 4', color: '#7570b3', width: 0.8 },
  { label: 'period 8', color: '#e6ab02', width: 0.9 },
  { label: 'other period', color: '#a6761d', width: 1.0 },
  { label: 'unresolved', color: '#969696', width: 0.8 },
  { label: 'chaotic (λ > 0.01)', color: '#d62728', width: 1.8 },
  { label: 'diverged / no GFS', color: '#e7298a', width: 0.8 },
] as const;

/** Fig 11 class index of one iterate. */
export function fig11Class(member: boolean, status: number, period: number): number {
  if (status === OrbitStatus.diverged || status === OrbitStatus.noGfs || status === OrbitStatus.nonFinite) return 8;
  if (!member) return 0;
  if (status === OrbitStatus.chaotic) return 7;
  if (status === OrbitStatus.unresolved) return 6;
  if (period === 1) return 1;
  if (period === 2) return 2;
  if (period === 4) return 3;
  if (period === 8) return 4;
  return 5;
}

/** Orbits per period ('period p') or per status label of the non-periodic ones. */
export function periodCounts(result: BifurcationResult): Record<string, number> {
  const counts: Record<string, number> = {};
  for (let k = 0; k < result.count; k++) {
    const status = result.status[k] as number;
    const key = status === OrbitStatus.periodic ? `period ${result.period[k]}` : orbitStatusLabel(status);
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

/** First φ of an axis with the given orbit class (NaN if none). */
export function firstPhi(result: BifurcationResult, test: (status: number, period: number) => boolean): number {
  for (let k = 0; k < result.count; k++) {
    if (test(result.status[k] as number, result.period[k] as number)) return result.phi[k] as number;
  }
  return Number.NaN;
}

/** Summary of the dense diagram over a φ axis (Fig 4, dense version). */
export function axisSummary(out: string, result: BifurcationResult) {
  return {
    out,
    figure: join(out, 'bifurcation.png'),
    points: result.count,
    counts: result.counts,
    periods: periodCounts(result),
    firstPeriod2Phi: firstPhi(result, (s, p) => s === OrbitStatus.periodic && p === 2),
    firstPeriod4Phi: firstPhi(result, (s, p) => s === OrbitStatus.periodic && p === 4),
    firstChaoticPhi: firstPhi(result, (s) => s === OrbitStatus.chaotic),
    stabilityThreshold: 2 / result.settings.eta,
    workers: result.workers,
    orbitSeconds: result.seconds,
  };
}

export interface SliceLandmarks {
  firstPeriod2Phi: number;
  firstPeriod4Phi: number;
  firstChaoticPhi: number;
  firstDivergedPhi: number;
}

/** Where period 2, period 4, chaos and divergence first appear along a slice axis. */
export function sliceLandmarks(r: BifurcationResult): SliceLandmarks {
  return {
    firstPeriod2Phi: firstPhi(r, (s, p) => s === OrbitStatus.periodic && p === 2),
    firstPeriod4Phi: firstPhi(r, (s, p) => s === OrbitStatus.periodic && p === 4),
    firstChaoticPhi: firstPhi(r, (s) => s === OrbitStatus.chaotic),
    firstDivergedPhi: firstPhi(r, (s) => s === OrbitStatus.diverged),
  };
}

/** Summary of Fig 10: both slice maps and the GD run. */
export function sliceSummary(
  out: string,
  run: GdRun,
  description: string,
  exact: BifurcationResult,
  quasistatic: BifurcationResult,
) {
  return {
    out,
    figure: join(out, 'fig10.png'),
    run: description,
    gpgd: { counts: exact.counts, ...sliceLandmarks(exact) },
    quasistatic: { counts: quasistatic.counts, ...sliceLandmarks(quasistatic) },
    stabilityThreshold: 2 / run.eta,
    gdFinalGfsSharpness: run.phi[run.rows - 1],
  };
}

/** Summary of the orbits from every iterate of a GD run (Fig 4 over a run; Fig 11 adds to it). */
export function runSummary(out: string, run: GdRun, description: string, orbits: BifurcationResult) {
  return {
    out,
    run: description,
    gdOutcome: run.outcome,
    iterates: run.rows,
    orbitCounts: orbits.counts,
    periods: periodCounts(orbits),
    workers: orbits.workers,
    orbitSeconds: orbits.seconds,
  };
}

/** Fig 11 class of every iterate of a run, from its membership in 𝕊 and its GPGD orbit. */
export function fig11Classes(member: Uint8Array, orbits: BifurcationResult): Uint8Array {
  return Uint8Array.from(member, (m, t) => fig11Class(m === 1, orbits.status[t] as number, orbits.period[t] as number));
}

/** Summary of Fig 11: the run's summary, iterates in 𝕊, iterates per class, and the chaotic ones. */
export function fig11Summary(
  out: string,
  run: GdRun,
  description: string,
  orbits: BifurcationResult,
  member: Uint8Array,
  classes: Uint8Array,
) {
  const chaoticSteps: number[] = [];
  classes.forEach((c, t) => {
    if (c === 7) chaoticSteps.push(t);
  });
  const classCounts = Object.fromEntries(
    FIG11_CLASSES.map((c, i) => [c.label, classes.reduce((n, k) => n + (k === i ? 1 : 0), 0)]),
  );
  return {
    ...runSummary(out, run, description, orbits),
    figure: join(out, 'fig11.png'),
    inInvariantSet: member.reduce((n, m) => n + m, 0),
    classes: classCounts,
    chaoticInInvariantSet: chaoticSteps.length,
    chaoticSteps: chaoticSteps.length > 0 ? [chaoticSteps[0], chaoticSteps[chaoticSteps.length - 1]] : [],
  };
}

/** Summary of Fig 4 over a GD run. */
export function fig4RunSummary(out: string, run: GdRun, description: string, orbits: BifurcationResult) {
  return { ...runSummary(out, run, description, orbits), figure: join(out, 'bifurcation.png') };
}
