/**
 * The paper's three-network figures (Kreisler et al. 2023, Fig 6 and Fig 13; App. B.4): the fully
 * connected hardtanh network, VGG11-BN and ResNet20, each trained by GD at its own defaults
 * (ARCH_DEFAULTS: the step size, the window, the flow threshold and the sizes are set per network),
 * drawn side by side — S, φ and 2/η over the loss, as in the paper's panels.
 *
 *   fig6   the three on the first n images of --data (MNIST digits by default);
 *   fig13  the same on a second data set: the paper uses SVHN. With --data mnist (the default) the
 *          second set is the next n digits (--data-offset n for each network: disjoint from Fig
 *          6's); a user holding SVHN passes it as --data npy:DIR (then the offset defaults to 0).
 *
 * The networks run one after the other; each keeps its finished tasks in its own checkpoint
 * (checkpoint/<arch>) until the whole figure is written, so a killed run resumes where it stopped,
 * networks already done included.
 */
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { conflict } from '../../base/errors.js';
import { writeFileAtomic, writeOutputDirectory } from '../../io/atomic.js';
import { writeManifest } from '../../io/manifest.js';
import { sideBySide, svgToPng } from '../../plot/index.js';
import type { Activation } from '../../engines/mlp.js';
import {
  ARCH_DEFAULTS,
  NET_OPTIONS,
  netExperiment,
  resolveNetOptions,
  type NetExperiment,
  type NetOptions,
} from './experiment.js';
import { ARCH_NAMES, figureStems, netFigureSvg, runSummary, writeNetFiles } from './figures.js';
import type { NetArchitectureName } from './tasks.js';

export const PAPER_FIGURES = ['fig6', 'fig13'] as const;
export type PaperFigure = (typeof PAPER_FIGURES)[number];

/** The networks of Fig 6 / Fig 13, left to right, and the activation of each. */
export const FIGURE_NETWORKS: readonly { arch: NetArchitectureName; activation: Activation }[] = [
  { arch: 'fc', activation: 'hardtanh' },
  { arch: 'vgg11-bn', activation: 'relu' },
  { arch: 'resnet20', activation: 'relu' },
];

/** Options every network of the figure shares; the others are each network's own defaults. */
export const FIGURE_SHARED_OPTIONS = [
  'data',
  'dataOffset',
  'dataClasses',
  'seed',
  'divergeAt',
  'rk4Alpha',
  'sharpnessEvery',
  'sensitivityRecords',
  'workers',
] as const;

type SharedKey = (typeof FIGURE_SHARED_OPTIONS)[number];

export interface PaperFigureOptions extends Pick<NetOptions, SharedKey> {
  figure: PaperFigure;
  /** Directory of the checkpoints (one subdirectory per network); none when undefined. */
  checkpoint?: string;
  signal?: AbortSignal;
  /** Progress of the network `arch` (its experiment's onProgress). */
  onProgress?: (arch: NetArchitectureName, done: number, total: number) => void;
}

/**
 * The options --figure sets per network and so refuses: every option of the experiment's set but
 * the shared ones (so a new option is per-network until it is listed as shared).
 */
const PER_NETWORK = (Object.keys(NET_OPTIONS) as (keyof typeof NET_OPTIONS)[]).filter(
  (key) => !(FIGURE_SHARED_OPTIONS as readonly string[]).includes(key),
);

/**
 * Each network's options under `figure` (validated: the first bad one throws, before any work). A
 * per-network option (η, n, the window, …) given with --figure is refused: each panel uses its
 * network's defaults, which a user changes by running `eoslab net --arch …` on its own.
 */
export function resolvePaperFigure(options: PaperFigureOptions & Record<string, unknown>): NetOptions[] {
  for (const key of PER_NETWORK) {
    if (options[key] !== undefined) {
      throw conflict(
        `--${NET_OPTIONS[key].spec.flag} is set per network by --figure (each panel at its network's defaults); run eoslab net --arch … to change it`,
        key,
      );
    }
  }
  const second = options.figure === 'fig13';
  return FIGURE_NETWORKS.map(({ arch, activation }) => {
    const shared: Partial<NetOptions> = {};
    for (const key of FIGURE_SHARED_OPTIONS) {
      if (options[key] !== undefined) (shared as Record<string, unknown>)[key] = options[key];
    }
    const mnist = (options.data ?? 'mnist') === 'mnist';
    // Fig 13 on MNIST: the next n digits, disjoint from Fig 6's first n
    if (second && mnist && options.dataOffset === undefined) shared.dataOffset = ARCH_DEFAULTS[arch].n;
    const net: NetOptions = { ...shared, arch, activation };
    resolveNetOptions(net);
    return net;
  });
}

export interface PaperFigureExperiment {
  figure: PaperFigure;
  experiments: NetExperiment[];
  wallSeconds: number;
}

/** Runs the three networks of the figure one after the other. */
export async function paperFigureExperiment(options: PaperFigureOptions): Promise<PaperFigureExperiment> {
  const started = performance.now();
  const nets = resolvePaperFigure(options as PaperFigureOptions & Record<string, unknown>);
  const experiments: NetExperiment[] = [];
  for (const net of nets) {
    const arch = net.arch as NetArchitectureName;
    experiments.push(
      await netExperiment({
        ...net,
        ...(options.checkpoint !== undefined ? { checkpoint: join(options.checkpoint, arch) } : {}),
        ...(options.signal !== undefined ? { signal: options.signal } : {}),
        onProgress: (done, total) => options.onProgress?.(arch, done, total),
      }),
    );
  }
  return { figure: options.figure, experiments, wallSeconds: (performance.now() - started) / 1000 };
}

/** The figure: each network's two panels (S, φ, 2/η; the loss), side by side. */
export function paperFigureSvg(p: PaperFigureExperiment): string {
  const second = p.figure === 'fig13';
  const parts = p.experiments.map((e, i) =>
    netFigureSvg(e.runs[0] as NetExperiment['runs'][number], e, {
      second,
      width: 760,
      height: 760,
      idPrefix: `net${i}`,
    }),
  );
  const data = p.experiments[0]?.images.title ?? '';
  const title = second
    ? `Fig 13 · the networks of Fig 6 on a second data set (${data}${p.experiments[0]?.dataOffset ? ', the next n after Fig 6’s' : ''})`
    : `Fig 6 · ${p.experiments.map((e) => ARCH_NAMES[e.arch]).join(', ')}: S, φ and 2/η along GD (top), the loss (bottom)`;
  return sideBySide(parts, title);
}

/**
 * Writes the figure (fig6 / fig13 .svg and .png) and each network's own outputs (its figure,
 * CSVs and manifest, in a subdirectory named by --arch) into `out` as one set.
 */
export function writePaperFigure(out: string, p: PaperFigureExperiment): string[] {
  const second = p.figure === 'fig13';
  const files: string[] = [`${p.figure}.svg`, `${p.figure}.png`];
  writeOutputDirectory(out, (dir) => {
    const svg = paperFigureSvg(p);
    writeFileAtomic(join(dir, `${p.figure}.svg`), svg);
    writeFileAtomic(join(dir, `${p.figure}.png`), svgToPng(svg, { width: 2280 }));
    for (const e of p.experiments) {
      const sub = join(dir, e.arch);
      mkdirSync(sub);
      files.push(...writeNetFiles(sub, e, second).map((f) => join(e.arch, f)));
    }
    writeManifest(dir, {
      command: 'net',
      options: {
        figure: p.figure,
        networks: p.experiments.map((e) => ({
          arch: e.arch,
          outputs: e.arch,
          figures: figureStems(e, second),
          n: e.n,
          dataOffset: e.dataOffset,
          eta: e.etas,
          steps: e.steps,
          lossThreshold: e.lossThreshold,
        })),
      },
      seeds: [...new Set(p.experiments.map((e) => e.seed))],
      timings: {
        wallSeconds: p.wallSeconds,
        ...Object.fromEntries(p.experiments.map((e) => [`${e.arch}Seconds`, e.wallSeconds])),
      },
      outputs: files,
      summary: {
        runs: p.experiments.map((e) => ({
          arch: e.arch,
          ...runSummary(e.runs[0] as NetExperiment['runs'][number], e),
        })),
      },
    });
  });
  return [...files, 'manifest.json'];
}
