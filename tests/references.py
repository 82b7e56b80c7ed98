"""Independent float64 NumPy references for every optimizer optforge generates.

Written straight from ``docs/algorithms.md`` (the document's formulas) and
``docs/semantics.md`` (PyTorch's choices where the document is silent), NOT from
``specs/`` or ``generated/``; this module deliberately does not import optforge.

Conventions (docs/algorithms.md, "Notation"): ``t`` is 1 on the first update, every state starts
at 0 (NAdam's ``mu_product`` at 1, docs/semantics.md §1.7), all operations are elementwise and in
float64.  Each ``*_step`` function is pure: it takes the previous values and returns the new
ones, never modifying its arguments.  :class:`Reference` runs any of them over a list of
parameters with optforge's state names, so that a test can compare the two directly.
"""

from __future__ import annotations

import math
from typing import Callable, Sequence

import numpy as np


def _f64(x) -> np.ndarray:
    """A float64 ndarray (also for 0-d values, which NumPy arithmetic turns into scalars)."""
    return np.array(x, dtype=np.float64)


# --------------------------------------------------------------------------------- baselines
def sgd_step(theta, g, *, lr):
    """docs/algorithms.md §1, SGD: theta_t = theta_{t-1} - eta g_t."""
    return _f64(theta - lr * g)


def momentum_step(theta, v, g, *, lr, mu):
    """docs/algorithms.md §1, Momentum (document form, v includes the learning rate):
    v_t = mu v_{t-1} + eta g_t;  theta_t = theta_{t-1} - v_t,  g_t = grad f(theta_{t-1})."""
    v = mu * v + lr * g
    return _f64(theta - v), _f64(v)


def nag_step(theta, v, grad_at: Callable[[np.ndarray], np.ndarray], *, lr, mu):
    """docs/algorithms.md §4, NAG in the document's look-ahead form:
    v_t = mu v_{t-1} + eta grad f(theta_{t-1} - mu v_{t-1});  theta_t = theta_{t-1} - v_t.

    ``grad_at(x)`` returns grad f(x); it is called once, at the look-ahead point.
    """
    lookahead = _f64(theta - mu * v)
    g = _f64(grad_at(lookahead))
    v = mu * v + lr * g
    return _f64(theta - v), _f64(v)


def adagrad_step(theta, G, g, *, lr, eps):
    """docs/algorithms.md §1, AdaGrad with PyTorch's eps placement (docs/semantics.md §1.2, eps OUTSIDE sqrt):
    G_t = G_{t-1} + g_t^2;  theta_t = theta_{t-1} - eta g_t / (sqrt(G_t) + eps)."""
    G = G + g * g
    return _f64(theta - lr * g / (np.sqrt(G) + eps)), _f64(G)


def adagrad_eps_in_sqrt_step(theta, G, g, *, lr, eps):
    """AdaGrad, the other eps placement (optax/Keras, docs/semantics.md §1.2, eps INSIDE sqrt):
    G_t = G_{t-1} + g_t^2;  theta_t = theta_{t-1} - eta g_t / sqrt(G_t + eps)."""
    G = G + g * g
    return _f64(theta - lr * g / np.sqrt(G + eps)), _f64(G)


def adadelta_step(theta, Eg2, Edtheta2, g, *, rho, eps):
    """docs/algorithms.md §2, Adadelta (document section 1; no learning rate):
    E[g^2]_t = rho E[g^2]_{t-1} + (1 - rho) g_t^2
    dtheta_t = - sqrt(E[dtheta^2]_{t-1} + eps) / sqrt(E[g^2]_t + eps) * g_t
    E[dtheta^2]_t = rho E[dtheta^2]_{t-1} + (1 - rho) dtheta_t^2
    theta_t = theta_{t-1} + dtheta_t
    """
    Eg2 = rho * Eg2 + (1.0 - rho) * g * g
    dtheta = -np.sqrt(Edtheta2 + eps) / np.sqrt(Eg2 + eps) * g
    Edtheta2 = rho * Edtheta2 + (1.0 - rho) * dtheta * dtheta
    return _f64(theta + dtheta), _f64(Eg2), _f64(Edtheta2)


def rmsprop_step(theta, v, g, *, lr, alpha, eps):
    """docs/semantics.md §1.4, torch RMSprop plain form (momentum=0, centered=False, eps OUTSIDE sqrt):
    v_t = alpha v_{t-1} + (1 - alpha) g_t^2;  theta_t = theta_{t-1} - lr g_t / (sqrt(v_t) + eps)."""
    v = alpha * v + (1.0 - alpha) * g * g
    return _f64(theta - lr * g / (np.sqrt(v) + eps)), _f64(v)


def _moments(m, v, g, b1, b2):
    """docs/algorithms.md §1, Adam: m_t = b1 m_{t-1} + (1-b1) g_t;  v_t = b2 v_{t-1} + (1-b2) g_t^2."""
    return _f64(b1 * m + (1.0 - b1) * g), _f64(b2 * v + (1.0 - b2) * g * g)


def adam_step(theta, m, v, g, t, *, lr, b1, b2, eps):
    """docs/algorithms.md §1, Adam: mhat_t = m_t/(1-b1^t); vhat_t = v_t/(1-b2^t);
    theta_t = theta_{t-1} - eta mhat_t / (sqrt(vhat_t) + eps)."""
    m, v = _moments(m, v, g, b1, b2)
    mhat = m / (1.0 - b1**t)
    vhat = v / (1.0 - b2**t)
    return _f64(theta - lr * mhat / (np.sqrt(vhat) + eps)), m, v


def adamw_step(theta, m, v, g, t, *, lr, b1, b2, eps, lam):
    """docs/algorithms.md §3, AdamW (decoupled decay on theta_{t-1}, multiplied by eta):
    theta_t = theta_{t-1} - eta mhat_t / (sqrt(vhat_t) + eps) - eta lambda theta_{t-1}."""
    m, v = _moments(m, v, g, b1, b2)
    mhat = m / (1.0 - b1**t)
    vhat = v / (1.0 - b2**t)
    return _f64(theta - lr * mhat / (np.sqrt(vhat) + eps) - lr * lam * theta), m, v


def nadam_step(theta, m, v, g, t, *, lr, b1, b2, eps):
    """docs/algorithms.md §5, NAdam in the document's (simplified) form:
    theta_t = theta_{t-1} - eta / (sqrt(vhat_t) + eps) * (b1 mhat_t + (1 - b1) g_t / (1 - b1^t))."""
    m, v = _moments(m, v, g, b1, b2)
    mhat = m / (1.0 - b1**t)
    vhat = v / (1.0 - b2**t)
    nesterov = b1 * mhat + (1.0 - b1) * g / (1.0 - b1**t)
    return _f64(theta - lr / (np.sqrt(vhat) + eps) * nesterov), m, v


def nadam_t1_step(theta, m, v, g, t, *, lr, b1, b2, eps):
    """docs/semantics.md §1.7 (psi = inf, optax ``nadam``): the m-term's bias correction has exponent t+1:
    theta_t = theta_{t-1} - eta/(sqrt(vhat_t)+eps) * (b1 m_t/(1-b1^(t+1)) + (1-b1) g_t/(1-b1^t))."""
    m, v = _moments(m, v, g, b1, b2)
    vhat = v / (1.0 - b2**t)
    nesterov = b1 * m / (1.0 - b1 ** (t + 1)) + (1.0 - b1) * g / (1.0 - b1**t)
    return _f64(theta - lr / (np.sqrt(vhat) + eps) * nesterov), m, v


def nadam_mu(t, *, b1, psi):
    """docs/semantics.md §1.7, torch's momentum schedule: mu_t = b1 (1 - 0.5 * 0.96^(t psi))."""
    return b1 * (1.0 - 0.5 * 0.96 ** (t * psi))


def nadam_scheduled_step(theta, m, v, mu_product, g, t, *, lr, b1, b2, eps, psi):
    """docs/semantics.md §1.7, torch.optim.NAdam (Dozat's Algorithm 2 with the schedule mu_t):
    mu_product_t = mu_product_{t-1} * mu_t  (starts at 1)
    denom = sqrt(v_t / (1 - b2^t)) + eps
    theta_t = theta_{t-1} - lr (1-mu_t)/(1-mu_product_t) g_t/denom
                          - lr mu_{t+1}/(1 - mu_product_t mu_{t+1}) m_t/denom
    Returns (theta, m, v, mu_product) with mu_product a Python float.
    """
    mu = nadam_mu(t, b1=b1, psi=psi)
    mu_next = nadam_mu(t + 1, b1=b1, psi=psi)
    mu_product = float(mu_product) * mu
    m, v = _moments(m, v, g, b1, b2)
    denom = np.sqrt(v / (1.0 - b2**t)) + eps
    theta = theta - lr * (1.0 - mu) / (1.0 - mu_product) * g / denom
    theta = theta - lr * mu_next / (1.0 - mu_product * mu_next) * m / denom
    return _f64(theta), m, v, mu_product


def nadam_t1_gap(m_t, v_t, t, *, lr, b1, b2, eps):
    """docs/semantics.md §1.7: from the same state, theta_doc_t = theta_t1_t - c_t with
    c_t = lr b1 m_t (1/(1-b1^t) - 1/(1-b1^(t+1))) / (sqrt(vhat_t) + eps), m_t/v_t the UPDATED moments."""
    vhat = v_t / (1.0 - b2**t)
    return _f64(lr * b1 * m_t * (1.0 / (1.0 - b1**t) - 1.0 / (1.0 - b1 ** (t + 1))) / (np.sqrt(vhat) + eps))


# ------------------------------------------------------------------------ multi-param runner
#: Per optimizer (optforge's spec names): the hyperparameters (spec symbols), the per-element
#: state arrays (optforge's state names) and the scalar state with its initial value.
ALGORITHMS = {
    "sgd": dict(hypers=("lr",), arrays=(), scalars={}),
    "momentum": dict(hypers=("lr", "mu"), arrays=("v",), scalars={}),
    "nag": dict(hypers=("lr", "mu"), arrays=("v",), scalars={}),
    "adagrad": dict(hypers=("lr", "eps"), arrays=("G",), scalars={}),
    "adagrad_eps_in_sqrt": dict(hypers=("lr", "eps"), arrays=("G",), scalars={}),
    "adadelta": dict(hypers=("rho", "eps"), arrays=("Eg2", "Edtheta2"), scalars={}),
    "rmsprop": dict(hypers=("lr", "alpha", "eps"), arrays=("v",), scalars={}),
    "adam": dict(hypers=("lr", "b1", "b2", "eps"), arrays=("m", "v"), scalars={}),
    "adamw": dict(hypers=("lr", "b1", "b2", "eps", "lam"), arrays=("m", "v"), scalars={}),
    "nadam": dict(hypers=("lr", "b1", "b2", "eps"), arrays=("m", "v"), scalars={}),
    "nadam_t1": dict(hypers=("lr", "b1", "b2", "eps"), arrays=("m", "v"), scalars={}),
    "nadam_scheduled": dict(hypers=("lr", "b1", "b2", "eps", "psi"), arrays=("m", "v"),
                            scalars={"mu_product": 1.0}),
}


class Reference:
    """Runs one algorithm in float64 over several parameters.

    ``theta`` holds the document's parameters.  ``stored_params()`` is what a user of the
    derived NAG form (optforge, torch ``nesterov=True``) holds: ``phi = theta - mu v``; for
    every other algorithm it is ``theta`` itself.  ``grad_fn(i, x, t)`` returns the gradient
    of parameter ``i`` at point ``x`` for step ``t``; the reference calls it at its own
    parameter variable (NAG: at the look-ahead point).
    """

    def __init__(self, name: str, hypers: dict, params: Sequence[np.ndarray]):
        info = ALGORITHMS[name]
        missing = set(info["hypers"]) - set(hypers)
        if missing:
            raise KeyError(f"{name}: missing hyperparameters {sorted(missing)}")
        self.name = name
        self.h = {k: float(hypers[k]) for k in info["hypers"]}
        self.theta = [_f64(p) for p in params]
        self.state = {s: [np.zeros(np.shape(p), np.float64) for p in params] for s in info["arrays"]}
        self.scalars = dict(info["scalars"])
        self.t = 0

    def stored_params(self) -> list[np.ndarray]:
        if self.name == "nag":
            return [_f64(th - self.h["mu"] * v) for th, v in zip(self.theta, self.state["v"])]
        return [th.copy() for th in self.theta]

    def step(self, grad_fn: Callable[[int, np.ndarray, int], np.ndarray]) -> None:
        t = self.t + 1
        h, s, n = self.h, self.state, self.name
        mu_product = self.scalars.get("mu_product")
        for i, theta in enumerate(self.theta):
            if n == "nag":
                theta, s["v"][i] = nag_step(theta, s["v"][i], lambda x: grad_fn(i, x, t), **h)
                self.theta[i] = theta
                continue
            g = _f64(grad_fn(i, theta, t))
            if n == "sgd":
                theta = sgd_step(theta, g, **h)
            elif n == "momentum":
                theta, s["v"][i] = momentum_step(theta, s["v"][i], g, **h)
            elif n == "adagrad":
                theta, s["G"][i] = adagrad_step(theta, s["G"][i], g, **h)
            elif n == "adagrad_eps_in_sqrt":
                theta, s["G"][i] = adagrad_eps_in_sqrt_step(theta, s["G"][i], g, **h)
            elif n == "adadelta":
                theta, s["Eg2"][i], s["Edtheta2"][i] = adadelta_step(theta, s["Eg2"][i], s["Edtheta2"][i], g, **h)
            elif n == "rmsprop":
                theta, s["v"][i] = rmsprop_step(theta, s["v"][i], g, **h)
            elif n in ("adam", "adamw", "nadam", "nadam_t1"):
                fn = {"adam": adam_step, "adamw": adamw_step, "nadam": nadam_step, "nadam_t1": nadam_t1_step}[n]
                theta, s["m"][i], s["v"][i] = fn(theta, s["m"][i], s["v"][i], g, t, **h)
            elif n == "nadam_scheduled":
                # mu_product advances once per step, not once per parameter.
                theta, s["m"][i], s["v"][i], _ = nadam_scheduled_step(
                    theta, s["m"][i], s["v"][i], self.scalars["mu_product"], g, t, **h)
            else:  # pragma: no cover - ALGORITHMS and this dispatch list the same names
                raise KeyError(n)
            self.theta[i] = theta
        if n == "nadam_scheduled":
            self.scalars["mu_product"] = float(mu_product) * nadam_mu(t, b1=h["b1"], psi=h["psi"])
        self.t = t


def constant_mu_psi() -> float:
    """A finite psi for which mu_t == b1 exactly in float64 for every t >= 1
    (docs/semantics.md §1.7: 0.5*0.96**psi < 2**-54, about psi >= 900)."""
    return math.ceil(math.log(2.0**-54 / 0.5) / math.log(0.96)) + 1.0


# --- Adamax, AMSGrad and Lion over many steps (tests/runtime/test_reference_new_algorithms.py and the
# --- mutation references use them) ---------------------------------------------------------------
def objective_grad(x, t):
    """A gradient that depends on the parameters: g = a x - c + noise_t (deterministic)."""
    a = 1.0 + 0.5 * np.cos(np.arange(x.size, dtype=np.float64)).reshape(x.shape)
    noise = 0.1 * np.sin(0.37 * t + np.arange(x.size, dtype=np.float64)).reshape(x.shape)
    return np.asarray(a * x - 0.5 + noise)


# --- NumPy references, written from the papers (Kingma & Ba sec. 7.1; Reddi et al. with
# --- PyTorch's amsgrad convention; Chen et al. 2023 Algorithm 2) -----------------------
def adamax_ref(x, steps, lr, b1, b2, eps, grad=None):
    m, u = np.zeros_like(x), np.zeros_like(x)
    for t in range(1, steps + 1):
        g = (grad or objective_grad)(x, t)
        m = b1 * m + (1 - b1) * g
        u = np.maximum(b2 * u, np.abs(g) + eps)
        x = x - (lr / (1 - b1**t)) * m / u
    return x, {"m": m, "u": u}


def amsgrad_ref(x, steps, lr, b1, b2, eps, wd=0.0, grad=None):
    m, v, vmax = np.zeros_like(x), np.zeros_like(x), np.zeros_like(x)
    for t in range(1, steps + 1):
        g = (grad or objective_grad)(x, t)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        vmax = np.maximum(vmax, v)
        x = x - lr * wd * x - lr * (m / (1 - b1**t)) / (np.sqrt(vmax / (1 - b2**t)) + eps)
    return x, {"m": m, "v": v, "vmax": vmax}


def lion_ref(x, steps, lr, b1, b2, wd, grad=None):
    m = np.zeros_like(x)
    for t in range(1, steps + 1):
        g = (grad or objective_grad)(x, t)
        c = b1 * m + (1 - b1) * g
        x = x - lr * (np.sign(c) + wd * x)
        m = b2 * m + (1 - b2) * g
    return x, {"m": m}
