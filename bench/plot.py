"""The PNG: time per element against size, one panel per optimizer (float32), one line per method."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from bench.cases import LISTS
from bench.report import machine


def plot(table: list[dict[str, Any]], path: Path, threads: int) -> str | None:
    """Time per element against size, one panel per optimizer (float32), one line per method.
    None when written, else why not."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "matplotlib is not installed"
    fig = figure(table, threads)
    if fig is None:
        return "no float32 single-tensor sizes were measured"
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return None


def figure(table: list[dict[str, Any]], threads: int):
    """The figure :func:`plot` saves (None without float32 single-tensor rows)."""
    import matplotlib.pyplot as plt

    single = [r for r in table if r["dtype"] == "float32" and r["size"] not in LISTS]
    names = list(dict.fromkeys(r["optimizer"] for r in single))
    if not names:
        return None
    cols = min(4, len(names))
    nrows = math.ceil(len(names) / cols)
    fig, axes = plt.subplots(nrows, cols, figsize=(4.2 * cols, 3.4 * nrows), squeeze=False)
    styles = {"optforge": ("C0", "-"), "torch fused": ("C3", "-"), "torch foreach": ("C1", "--"),
              "torch single": ("C5", ":"), "numpy naive": ("C7", ":"), "numpy in-place": ("C2", "--"),
              "ceiling parallel": ("k", "-"), "ceiling serial": ("0.5", "-"),
              "sqrt/div ceiling parallel": ("k", "--")}
    for ax, name in zip(axes.flat, names):
        for label, (color, style) in styles.items():
            for t in sorted({r["threads"] for r in single}):
                main = t == threads or label.startswith("numpy") or label == "ceiling serial"
                if not main and label != "optforge":
                    continue  # one thread count per method, and optforge's other one faintly
                pts = sorted((r["elements"], r["median_s"] / r["elements"] * 1e9) for r in single
                             if r["optimizer"] == name and r["method"] == label and r["threads"] == t)
                if not pts:
                    continue
                xs, ys = zip(*pts)
                ax.plot(xs, ys, color=color, linestyle=style, marker="o", markersize=3, alpha=1.0 if main else 0.4,
                        label=f"{label} ({t}T)")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(name)
        ax.set_xlabel("elements")
        ax.set_ylabel("ns per element")
        ax.grid(True, which="both", alpha=0.3)
    for ax in list(axes.flat)[len(names):]:
        ax.axis("off")
    legend: dict[str, Any] = {}  # every line of every panel, once (a method some panels lack is still named)
    for ax in axes.flat:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            legend.setdefault(label, handle)
    labels, handles = list(legend), list(legend.values())
    fig.legend(handles, labels, loc="lower center", ncol=min(5, len(labels)), fontsize="small")
    fig.suptitle(f"optforge benchmark: one step, float32 ({machine().split(', Python')[0]})", fontsize="medium")
    fig.tight_layout(rect=(0, 0.06 + 0.05 * math.ceil(len(labels) / 5) / nrows, 1, 0.96))
    return fig
