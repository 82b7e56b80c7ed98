"""The experiments that decide the document's numerical claims (``specs/claims.py``), run through the
generated kernels (the ``optforge.<Optimizer>`` NumPy classes) with fixed seeds.

Every experiment states its protocol in :data:`PROTOCOL` and returns plain numbers (steps to a target,
losses, counts), rounded so that a run on the same platform reproduces them to the last digit;
``codegen/claims.py`` turns them into verdicts by each claim's stated criterion.  The problems:

* ``quad<k>``: f(x) = 1/2 sum_i lambda_i x_i^2 in 20 dimensions, lambda log-spaced from 1 to k (the
  condition number), x0 ~ N(0, 1) (seed 0); the target is f <= 1e-6 f(x0);
* ``rosenbrock``: f(x, y) = (1 - x)^2 + 100 (y - x^2)^2 from (-1.2, 1); target f <= 1e-4;
* ``noisy<k>``: quad<k> with N(0, 0.1^2) noise added to every gradient (seeded per run); its loss is
  the mean f over the last tenth of the run;
* ``sparse``: quad10 whose coordinates each receive their gradient on 5% of the steps (a seeded mask);
* ``double_well``: f(x) = x^4/4 - x^2/2 + 0.3 x, a local minimum near x = 0.84, the global near -1.13;
* ``classify``: logistic regression on 200 generated points in 40 dimensions (10 informative), 100 to
  train, 50 to validate, 50 to test; 300 full-batch steps.

Tuning is fair: every optimizer gets the same learning-rate grid (``LR_GRID``, 1e-4 to 1, nine values;
Adadelta, which has none, its rho grid) and is reported at its best setting, the fewest steps to the
target (ties: the smaller learning rate).
"""

from __future__ import annotations

import functools
import math
from typing import Callable

import numpy as np

MAX_STEPS = 3000
LR_GRID = tuple(float(f"{x:.3g}") for x in np.logspace(-4, 0, 9))
MU_GRID = (0.5, 0.9, 0.99)
RHO_GRID = (0.9, 0.95, 0.99)
SEEDS = (0, 1, 2, 3, 4)

PROTOCOL = {
    "problems": __doc__.split("The problems:")[1].split("Tuning is fair")[0].strip(),
    "tuning": "same learning-rate grid for every optimizer " + str(LR_GRID) + "; momentum grid " + str(MU_GRID)
              + "; Adadelta's rho grid " + str(RHO_GRID) + "; best setting = fewest steps to the target",
    "max_steps": MAX_STEPS,
    "seeds": SEEDS,
}


# ------------------------------------------------------------------------------------------ problems
class Quadratic:
    def __init__(self, kappa: float, dim: int = 20, noise: float = 0.0, sparse: float | None = None, seed: int = 0):
        self.lam = np.logspace(0, math.log10(kappa), dim)
        self.x0 = np.random.default_rng(0).standard_normal(dim)
        self.noise, self.sparse = noise, sparse
        self.rng = np.random.default_rng(1000 + seed)
        self.target = 1e-6 * self.loss(self.x0)

    def loss(self, x):
        return 0.5 * float(np.sum(self.lam * x * x))

    def grad(self, x):
        g = self.lam * x
        if self.noise:
            g = g + self.noise * self.rng.standard_normal(g.shape)
        if self.sparse is not None:
            g = g * (self.rng.random(g.shape) < self.sparse)
        return g


class Rosenbrock:
    x0 = np.array([-1.2, 1.0])
    target = 1e-4

    def loss(self, x):
        return float((1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2)

    def grad(self, x):
        return np.array([-2 * (1 - x[0]) - 400 * x[0] * (x[1] - x[0] ** 2), 200 * (x[1] - x[0] ** 2)])


def problem(name: str, seed: int = 0):
    if name == "rosenbrock":
        return Rosenbrock()
    if name == "sparse":
        return Quadratic(10, sparse=0.05, seed=seed)
    if name.startswith("noisy"):
        return Quadratic(float(name[5:]), noise=0.1, seed=seed)
    return Quadratic(float(name[4:]))


# ------------------------------------------------------------------------------------------ optimizers
def make(name: str, x: np.ndarray, **h):
    import optforge

    cls = {"sgd": optforge.SGD, "momentum": optforge.Momentum, "nag": optforge.NAG, "adagrad": optforge.Adagrad,
           "adadelta": optforge.Adadelta, "adam": optforge.Adam, "adamw": optforge.AdamW,
           "nadam": optforge.NAdam}[name]
    return cls([x], **h)


def run(name: str, prob, steps: int = MAX_STEPS, record: Callable | None = None, **h) -> dict:
    """Run ``name`` on ``prob``; return steps to the target (None: never), the final loss and, with
    ``record``, what it collects per step."""
    x = np.array(prob.x0, dtype=np.float64)
    opt = make(name, x, **h)
    f0 = prob.loss(x)
    reached, losses = None, []
    with np.errstate(all="ignore"):
        for t in range(1, steps + 1):
            before = x.copy()
            opt.step([prob.grad(x)])
            f = prob.loss(x)
            losses.append(f)
            if record is not None:
                record(t, before, x, f)
            if not math.isfinite(f) or f > 1e12 * max(f0, 1.0):
                return {"steps": None, "final": math.inf, "losses": losses}
            if reached is None and f <= prob.target:
                reached = t
                if record is None:
                    break
    return {"steps": reached, "final": losses[-1], "losses": losses}


def settings(name: str):
    """The grid an optimizer is tuned over."""
    if name == "adadelta":
        return [{"rho": r} for r in RHO_GRID]
    if name in ("momentum", "nag"):
        return [{"lr": lr, "momentum": mu} for lr in LR_GRID for mu in MU_GRID]
    return [{"lr": lr} for lr in LR_GRID]


def best(name: str, prob_name: str) -> dict:
    """The best setting of the grid: fewest steps to the target (None when no setting reaches it)."""
    return dict(_best(name, prob_name))


@functools.lru_cache(maxsize=None)
def _best(name: str, prob_name: str) -> dict:  # several experiments tune the same optimizer on the same problem
    found = None
    for h in settings(name):
        r = run(name, problem(prob_name), **h)
        if r["steps"] is not None and (found is None or r["steps"] < found["steps"]):
            found = {"steps": r["steps"], "setting": h}
    return found or {"steps": None, "setting": None}


# ------------------------------------------------------------------------------------------ experiments
SUITE = ("quad100", "quad1000", "quad10000", "rosenbrock")
SIMPLE = ("quad1", "quad2")


def tuned_comparison(names, problems=SUITE) -> dict:
    return {p: {n: best(n, p) for n in names} for p in problems}


def late_step_size() -> dict:
    out = {}
    for name, h in (("adagrad", {"lr": 1e-2}), ("adadelta", {"rho": 0.95})):
        ratios = []
        for seed in SEEDS:
            sizes = []
            run(name, Quadratic(10, noise=0.1, seed=seed), steps=2000,
                record=lambda t, a, b, f: sizes.append(float(np.mean(np.abs(b - a)))), **h)
            ratios.append(round(float(np.mean(sizes[-200:]) / np.mean(sizes[:200])), 6))
        out[name] = {"setting": h, "late_over_early": ratios}
    return out


def nag_vs_momentum() -> dict:
    out = {}
    for p in ("quad10", "quad100", "quad1000"):
        rows = []
        for lr in LR_GRID:
            for mu in MU_GRID:
                row = {"lr": lr, "mu": mu}
                for name in ("momentum", "nag"):
                    turns = []

                    def record(t, a, b, f, turns=turns):
                        turns.append(float(b[-1] - a[-1]))  # the stiffest coordinate
                    r = run(name, problem(p), record=record, lr=lr, momentum=mu)
                    flips = sum(1 for u, w in zip(turns, turns[1:]) if u * w < 0)
                    row[name] = {"steps": r["steps"], "direction_changes": flips}
                if row["momentum"]["steps"] is not None or row["nag"]["steps"] is not None:
                    rows.append(row)
        out[p] = rows
    return out


def overshoot() -> dict:
    out = {}
    for p in ("quad100", "quad1000"):
        b = best("momentum", p)
        crossings = []
        run("momentum", problem(p), record=lambda t, a, x, f: crossings.append(int(np.sum(a * x < 0))),
            **b["setting"])
        out[p] = {"setting": b["setting"], "steps": b["steps"], "coordinate_crossings": int(sum(crossings))}
    return out


def rate_vs_condition() -> dict:
    kappas = (10, 100, 1000, 10000)
    out = {"kappa": list(kappas), "nag": [], "gd": []}
    for k in kappas:
        q = Quadratic(k)
        mu = (math.sqrt(k) - 1) / (math.sqrt(k) + 1)
        out["nag"].append(run("nag", q, steps=200000, lr=1.0 / k, momentum=mu)["steps"])
        out["gd"].append(run("sgd", Quadratic(k), steps=200000, lr=1.0 / k)["steps"] if k <= 1000 else None)
    for key in ("nag", "gd"):
        pts = [(math.log(k), math.log(s)) for k, s in zip(kappas, out[key]) if s]
        xs, ys = zip(*pts)
        out[f"{key}_exponent"] = round(float(np.polyfit(xs, ys, 1)[0]), 4)
    return out


class DoubleWell:
    target = -math.inf

    def __init__(self, x0):
        self.x0 = np.array([x0])

    def loss(self, x):
        return float(x[0] ** 4 / 4 - x[0] ** 2 / 2 + 0.3 * x[0])

    def grad(self, x):
        return np.array([x[0] ** 3 - x[0] + 0.3])


def local_minimum() -> dict:
    starts = [round(float(s), 3) for s in np.linspace(0.3, 2.0, 12)]
    out = {"starts": starts}
    for name, h in (("sgd", {"lr": 0.05}), ("nag", {"lr": 0.05, "momentum": 0.9})):
        ends = []
        for s in starts:
            prob = DoubleWell(s)
            x = np.array(prob.x0)
            opt = make(name, x, **h)
            for _ in range(2000):
                opt.step([prob.grad(x)])
            ends.append(round(float(x[0]), 4))
        out[name] = {"setting": h, "ends": ends, "global": sum(e < 0 for e in ends)}
    return out


def sensitivity() -> dict:
    out = {}
    for p in SUITE:
        steps = [run("nag", problem(p), **h)["steps"] for h in settings("nag")]
        ok = [s for s in steps if s is not None]
        out[p] = {"reached": len(ok), "of": len(steps), "min": min(ok) if ok else None, "max": max(ok) if ok else None}
    return out


def lr_sensitivity() -> dict:
    out = {}
    for p in SUITE:
        out[p] = {n: sum(run(n, problem(p), lr=lr)["steps"] is not None for lr in LR_GRID) for n in ("adam", "nadam")}
    return out


def early_instability() -> dict:
    out = {}
    for name in ("adamw", "nadam"):
        for p in ("noisy10", "noisy100"):
            losses = {lr: [run(name, problem(p, s), steps=500, lr=lr)["losses"] for s in SEEDS] for lr in LR_GRID}
            finals = {lr: np.mean([np.mean(run_losses[-50:]) for run_losses in runs]) for lr, runs in losses.items()}
            lr = min(finals, key=lambda k: (finals[k], k))
            f0 = [problem(p, s).loss(problem(p, s).x0) for s in SEEDS]
            rises = [bool(max(run_losses[:20]) > start) for run_losses, start in zip(losses[lr], f0)]
            out[f"{name}/{p}"] = {"lr": lr, "rises_in_first_20_steps": rises}
    return out


def sparse() -> dict:
    out = {}
    for n in ("sgd", "nadam"):
        found = None
        for h in settings(n):
            steps = [run(n, problem("sparse", s), **h)["steps"] for s in SEEDS]
            if all(x is not None for x in steps):
                mean = float(np.mean(steps))
                if found is None or mean < found["mean_steps"]:
                    found = {"setting": h, "mean_steps": round(mean, 1)}
        out[n] = found
    return out


def _classification(seed: int):
    rng = np.random.default_rng(seed)
    n, d = 200, 40
    w = np.zeros(d)
    w[:10] = rng.standard_normal(10)
    X = rng.standard_normal((n, d))
    y = (X @ w + 0.5 * rng.standard_normal(n) > 0).astype(np.float64)
    return (X[:100], y[:100]), (X[100:150], y[100:150]), (X[150:], y[150:])


def _logistic(X, y, w):
    z = X @ w
    p = 1 / (1 + np.exp(-z))
    loss = float(np.mean(np.logaddexp(0, z) - y * z))
    return loss, X.T @ (p - y) / len(y)


def generalisation() -> dict:
    pairs = {"adamw": [("adamw", {"weight_decay": wd}) for wd in (1e-3, 1e-2, 1e-1, 1.0)],
             "adam_l2": [("adam", {"weight_decay": wd}) for wd in (1e-4, 1e-3, 1e-2, 1e-1)],
             "adam": [("adam", {})], "nadam": [("nadam", {})],
             "momentum": [("momentum", {"momentum": 0.9})], "nag": [("nag", {"momentum": 0.9})]}
    out = {}
    for label, variants in pairs.items():
        accs = []
        for seed in SEEDS:
            (Xtr, ytr), (Xva, yva), (Xte, yte) = _classification(seed)
            chosen = None
            for name, extra in variants:
                for lr in (1e-3, 1e-2, 1e-1):
                    w = np.zeros(Xtr.shape[1])
                    opt = make(name, w, lr=lr, **extra)
                    for _ in range(300):
                        opt.step([_logistic(Xtr, ytr, w)[1]])
                    val = _logistic(Xva, yva, w)[0]
                    if math.isfinite(val) and (chosen is None or val < chosen[0]):
                        chosen = (val, w.copy())
            accs.append(float(np.mean(((Xte @ chosen[1]) > 0) == (yte > 0.5))))
        out[label] = {"test_accuracy": [round(a, 4) for a in accs], "mean": round(float(np.mean(accs)), 4)}
    return out


def trajectories() -> dict:
    """The paths of Momentum and NAG (at the same lr and mu) on f = (x^2 + 50 y^2) / 2, for a figure."""
    lam = (1.0, 50.0)

    class Ellipse(Quadratic):
        def __init__(self):
            self.lam, self.x0, self.noise, self.sparse, self.target = np.array(lam), np.array([-4.0, 1.0]), 0, None, 0

    out = {"lambda": list(lam), "setting": {"lr": 0.02, "momentum": 0.85}, "contour_radii": [0.5, 1.0, 2.0, 3.0, 4.5]}
    for name in ("momentum", "nag"):
        points = [tuple(float(v) for v in Ellipse().x0)]
        run(name, Ellipse(), steps=40, record=lambda t, a, b, f: points.append((float(b[0]), float(b[1]))),
            **out["setting"])
        out[name] = [(round(x, 4) + 0.0, round(y, 4) + 0.0) for x, y in points]  # + 0.0: no -0.0
    return out


def step_sizes() -> dict:
    """AdaGrad's and Adadelta's mean step size, in blocks of 50 steps, on noisy10 (seed 0), for a figure."""
    out = {}
    for name, h in (("adagrad", {"lr": 1e-2}), ("adadelta", {"rho": 0.95})):
        sizes = []
        run(name, Quadratic(10, noise=0.1, seed=0), steps=2000,
            record=lambda t, a, b, f: sizes.append(float(np.mean(np.abs(b - a)))), **h)
        out[name] = [float(f"{np.mean(sizes[i:i + 50]):.4g}") for i in range(0, 2000, 50)]
    out["steps"] = list(range(25, 2000, 50))
    return out


def loss_curves() -> dict:
    """Adam's and NAdam's loss on noisy100 at lr = 1e-2, 300 steps, 5 seeds: the median and the range
    across seeds every 10 steps, for a figure."""
    out = {"steps": list(range(10, 301, 10)), "lr": 1e-2}
    for name in ("adam", "nadam"):
        runs = np.array([run(name, problem("noisy100", s), steps=300, lr=1e-2)["losses"] for s in SEEDS])
        picked = runs[:, 9::10]
        out[name] = {k: [float(f"{x:.4g}") for x in f(picked, axis=0)]
                     for k, f in (("median", np.median), ("low", np.min), ("high", np.max))}
    return out


def lr_curves() -> dict:
    """Steps to the target of Adam and NAdam at each learning rate of the grid on quad1000 (None: never),
    for a figure."""
    return {"lr": list(LR_GRID), **{n: [run(n, problem("quad1000"), lr=lr)["steps"] for lr in LR_GRID]
                                    for n in ("adam", "nadam")}}


#: experiments whose numbers only draw a figure on the sheets (codegen/sheets.py, PLOTS)
FIGURES: dict[str, Callable[[], dict]] = {"trajectories": trajectories, "step_sizes": step_sizes,
                                          "loss_curves": loss_curves, "lr_curves": lr_curves}

EXPERIMENTS: dict[str, Callable[[], dict]] = {
    "late_step_size": late_step_size,
    "adadelta_vs_tuned": lambda: tuned_comparison(("adadelta", "sgd", "adagrad")),
    "adaptive_vs_sgd": lambda: tuned_comparison(("adamw", "sgd")),
    "simple_problems": lambda: tuned_comparison(("sgd", "adamw", "nadam"), SIMPLE),
    "early_instability": early_instability,
    "overshoot": overshoot,
    "nag_vs_momentum": nag_vs_momentum,
    "rate_vs_condition": rate_vs_condition,
    "local_minimum": local_minimum,
    "sensitivity": sensitivity,
    "nadam_vs_adam": lambda: tuned_comparison(("nadam", "adam")),
    "lr_sensitivity": lr_sensitivity,
    "sparse": sparse,
    "generalisation": generalisation,
}
