"""Load an eoslab heatmap run into NumPy and redraw Fig 3 with matplotlib.

    npx eoslab heatmap --preset fig3 --out out/heatmap
    python3 examples/python/fig3.py out/heatmap                # prints a summary, writes
                                                               # out/heatmap/fig3-matplotlib.png
    python3 examples/python/fig3.py out/heatmap --png fig3.png

Needs NumPy; the figure also needs matplotlib (without it the script loads and checks the run,
prints the summary and says that it skipped the figure).

What a heatmap run directory holds (see manifest.json, written beside the arrays):
- final_sharpness.npy  float64 (rows, cols): S at convergence, NaN unless GD converged
- status.npy           uint8: the codes in manifest["summary"]["codes"]["status.npy"]
                       (0 converged, 1 diverged, 2 max-steps, 3 no-gfs, 4 non-finite)
- steps.npy            int32: GD steps taken
- init_gfs_sharpness.npy, init_product.npy: φ₀ and π₀ of every cell
- x_axis.npy, y_axis.npy: the axes; row i is y_axis[i] (p₀), column j is x_axis[j] (φ₀)
- manifest.json        every option (η in manifest["options"]["run"]["eta"]), counts, versions
"""

import argparse
import json
import os
import sys

import numpy as np


def load_run(directory):
    """The run's manifest (a dict) and every .npy array it lists, by name without '.npy'."""
    with open(os.path.join(directory, "manifest.json"), encoding="utf-8") as f:
        manifest = json.load(f)
    if manifest.get("tool") != "eoslab":
        raise ValueError(f"{directory}/manifest.json was not written by eoslab")
    arrays = {
        name[: -len(".npy")]: np.load(os.path.join(directory, name))
        for name in manifest["outputs"]
        if name.endswith(".npy")
    }
    return manifest, arrays


def check_run(manifest, arrays):
    """Shapes and counts agree with the manifest (a sharpness heatmap)."""
    if manifest["command"] != "heatmap" or manifest["options"]["map"] != "sharpness":
        raise ValueError("not a sharpness heatmap (eoslab heatmap without --map invariant-set)")
    grid = manifest["options"]["grid"]
    shape = (grid["rows"], grid["cols"])
    for name in ("final_sharpness", "status", "steps"):
        if arrays[name].shape != shape:
            raise ValueError(f"{name}.npy has shape {arrays[name].shape}, expected {shape}")
    labels = manifest["summary"]["codes"]["status.npy"]
    counts = {label: int((arrays["status"] == int(code)).sum()) for code, label in labels.items()}
    if counts != manifest["summary"]["counts"]:
        raise ValueError(f"status counts {counts} differ from the manifest's {manifest['summary']['counts']}")
    return counts


def summary(manifest, arrays):
    """One line per fact, as printed by main()."""
    eta = manifest["options"]["run"]["eta"]
    threshold = 2.0 / eta
    ratio = arrays["final_sharpness"] / threshold
    converged = arrays["status"] == 0
    phi0 = np.broadcast_to(arrays["x_axis"][np.newaxis, :], ratio.shape)
    edge = converged & (phi0 > threshold)
    rows, cols = ratio.shape
    lines = [
        f"grid {rows}x{cols}, eta {eta:g}, 2/eta {threshold:g}",
        "counts " + json.dumps(manifest["summary"]["counts"], sort_keys=True),
        f"converged with phi0 > 2/eta: {int(edge.sum())}",
    ]
    if edge.any():
        lines.append(
            f"S/(2/eta) there: median {np.median(ratio[edge]):.5f}, "
            f"min {ratio[edge].min():.5f}, max {ratio[edge].max():.5f}"
        )
    return lines


# colours of eoslab's own Fig 3 (src/experiments/heatmap/figures.ts)
STATUS_COLOURS = {1: "#d7301f", 2: "#f0f0f0", 3: "#000000", 4: "#ff00ff"}
STATUS_NAMES = {1: "diverged", 2: "not converged (max steps)", 3: "no GFS (π₀ ≤ 0)", 4: "non-finite"}


def draw_fig3(manifest, arrays, png):
    """Fig 3 of Kreisler et al. (2023): S∞/(2/η) over (φ₀, p₀), (a) full scale, (b) on [0.95, 1]."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    eta = manifest["options"]["run"]["eta"]
    threshold = 2.0 / eta
    ratio = arrays["final_sharpness"] / threshold
    status = arrays["status"]
    x, y = arrays["x_axis"], arrays["y_axis"]
    # cell edges around the axis points (inclusive linspaces)
    dx = (x[-1] - x[0]) / max(len(x) - 1, 1)
    dy = (y[-1] - y[0]) / max(len(y) - 1, 1)
    extent = (x[0] - dx / 2, x[-1] + dx / 2, y[0] - dy / 2, y[-1] + dy / 2)

    fig, axes = plt.subplots(1, 2, figsize=(15, 6.5), constrained_layout=True)
    grid = manifest["options"]["grid"]
    fig.suptitle(
        f"Fig 3 (Kreisler et al. 2023) · final sharpness / (2/η) · D = {grid['depth']}, η = {eta:g}, "
        f"{grid['rows']}×{grid['cols']} · redrawn with matplotlib",
        fontweight="bold",
    )
    panels = [
        ("(a) all converged cells", None),
        ("(b) colour scale on [0.95, 1]: near the edge of stability", (0.95, 1.0)),
    ]
    for ax, (title, limits) in zip(axes, panels):
        shown = np.where(status == 0, ratio, np.nan)
        below = np.zeros(ratio.shape, dtype=bool)
        if limits is not None:
            below = (status == 0) & (ratio < limits[0])
            shown = np.where(below, np.nan, shown)
        image = ax.imshow(
            shown,
            origin="lower",
            extent=extent,
            aspect="auto",
            cmap="viridis",
            interpolation="nearest",
            vmin=None if limits is None else limits[0],
            vmax=None if limits is None else limits[1],
        )
        fig.colorbar(image, ax=ax, label="final sharpness S / (2/η)")
        legend = []
        for code, colour in STATUS_COLOURS.items():
            mask = status == code
            overlay = np.where(mask, 1.0, np.nan)
            ax.imshow(
                overlay, origin="lower", extent=extent, aspect="auto",
                cmap=ListedColormap([colour]), interpolation="nearest",
            )
            legend.append(Patch(facecolor=colour, edgecolor="#777777", label=f"{STATUS_NAMES[code]} ({int(mask.sum())})"))
        if limits is not None:
            ax.imshow(
                np.where(below, 1.0, np.nan), origin="lower", extent=extent, aspect="auto",
                cmap=ListedColormap(["#a8a8a8"]), interpolation="nearest",
            )
            legend.append(Patch(facecolor="#a8a8a8", label=f"converged, S/(2/η) < {limits[0]} ({int(below.sum())})"))
        ax.axvline(threshold, color="#d62728", linestyle="--", linewidth=1.2, label="φ₀ = 2/η")
        ax.text(
            threshold, y[-1], "φ₀ = 2/η", color="#d62728", va="top", ha="center",
            bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "none", "pad": 1.5},
        )
        ax.set_xlabel("initial GFS sharpness φ₀")
        ax.set_ylabel("initial product p₀")
        ax.set_title(title, fontweight="bold")
        ax.legend(handles=legend, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=3, fontsize=8, frameon=False)
    fig.savefig(png, dpi=100)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run", help="an eoslab heatmap output directory (eoslab heatmap --out DIR)")
    parser.add_argument("--png", help="where to write the figure (default: RUN/fig3-matplotlib.png)")
    args = parser.parse_args(argv)
    manifest, arrays = load_run(args.run)
    check_run(manifest, arrays)
    for line in summary(manifest, arrays):
        print(line)
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        print("matplotlib is not installed: figure skipped (pip install matplotlib)")
        return 0
    png = args.png or os.path.join(args.run, "fig3-matplotlib.png")
    draw_fig3(manifest, arrays, png)
    print(f"wrote {png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
