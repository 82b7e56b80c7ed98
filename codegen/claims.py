"""Decide the document's claims (``specs/claims.py``): by the prover's verdicts, by structure read off
the specs and their lowered kernels, or by the experiments of ``codegen/experiments.py``.

``optforge claims`` prints one line per claim (id, optimizers, verdict, evidence) and writes the verdicts
and the experiments' numbers to ``generated/claims/claims.json``; ``--check`` writes nothing and exits 1
when the committed file differs from what this run produces.  A verdict from an experiment is
*supported*, *not supported* or *mixed*, never *proved*; a claim no experiment here can decide is
*not decidable here*, with the reason.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Callable, Iterable, Mapping

PROVED, REFUTED = "proved", "refuted"
SUPPORTED, NOT_SUPPORTED, MIXED, NOT_DECIDABLE = "supported", "not supported", "mixed", "not decidable here"
VERDICTS = (PROVED, REFUTED, SUPPORTED, NOT_SUPPORTED, MIXED, NOT_DECIDABLE)

OUTPUT = Path("claims") / "claims.json"


# ------------------------------------------------------------------------------------------ structure
def quantity(name: str, spec) -> int:
    """A structural quantity of one spec: state arrays per parameter, arithmetic per element of its
    lowered kernel (every kind of operation, counted once each), hyperparameters."""
    if name == "state_arrays":
        return spec.state_arrays_per_parameter()
    if name == "operations":
        from .lower import lower

        ops = lower(spec).ops
        return ops.add + ops.mul + ops.div + ops.sqrt + ops.other
    if name == "hyperparameters":
        return len(spec.hyperparameters)
    raise ValueError(f"no structural quantity {name!r}: state_arrays, operations, hyperparameters")


_RELATIONS = {">": lambda a, b: a > b, "=": lambda a, b: a == b, "<": lambda a, b: a < b}


def _compared(decision, specs) -> tuple[bool, int, dict[str, int]]:
    """(whether the relation holds, the quantity of ``a``, the quantity of each other spec)."""
    if decision.relation not in _RELATIONS:
        raise ValueError(f"relation {decision.relation!r}: one of {', '.join(_RELATIONS)}")
    others = decision.b if isinstance(decision.b, tuple) else (decision.b,)
    mine = quantity(decision.quantity, specs[decision.a])
    theirs = {o: quantity(decision.quantity, specs[o]) for o in others}
    return all(_RELATIONS[decision.relation](mine, v) for v in theirs.values()), mine, theirs


def _compare_texts(decision, compared) -> tuple[str, str, str]:
    """(verdict, evidence, evidence in Korean) of a structural comparison."""
    holds, mine, theirs = compared
    shown = ", ".join(f"{o} {v}" for o, v in theirs.items())
    text = (f"{decision.quantity.replace('_', ' ')}: {decision.a} {mine} {decision.relation if holds else 'not ' + decision.relation} "
            f"{shown}" + (f"; {decision.note}" if decision.note else ""))
    korean = f"{_KO_QUANTITY[decision.quantity]}: {decision.a} {mine}; {shown}"
    return (PROVED if holds else REFUTED), text, korean


def decide_compare(decision, specs) -> tuple[str, str]:
    return _compare_texts(decision, _compared(decision, specs))[:2]


def _checked(decision, properties, known: Mapping | None = None) -> list:
    """The verdicts of the properties a claim rests on (``known``: verdicts already checked, by name)."""
    from . import prover

    by_name = {p.name: p for p in properties}
    missing = [n for n in decision.properties if n not in by_name]
    if missing:
        raise KeyError(f"no property named {', '.join(missing)} (specs/)")
    verdicts = [(known or {}).get(n) or prover.check(by_name[n]) for n in decision.properties]
    wrong = [v for v in verdicts if not v.ok]
    if wrong:  # the generator refuses these too; a claim cannot rest on them
        raise ValueError("; ".join(f"{v.prop.name}: {v.status}, declared {v.expected}" for v in wrong))
    return verdicts


def _properties_texts(decision, verdicts) -> tuple[str, str, str]:
    """(verdict, evidence, evidence in Korean) of a claim resting on properties."""
    text = ", ".join(f"{v.prop.name} {v.status}" for v in verdicts) + (f"; {decision.note}" if decision.note else "")
    korean = "성질 " + ", ".join(f"{v.prop.name} {_KO_STATUS[v.status]}" for v in verdicts)
    return (REFUTED if decision.refutes else PROVED), text, korean


def decide_properties(decision, properties) -> tuple[str, str]:
    return _properties_texts(decision, _checked(decision, properties))[:2]


# ------------------------------------------------------------------------------------------ experiments
def _steps(x):
    return float("inf") if x is None else x


def _tuned_wins(data, a, b) -> list[str]:
    return [p for p, row in data.items() if _steps(row[a]["steps"]) < _steps(row[b]["steps"])]


def _majority(wins: list[str], total: int, what: str) -> tuple[str, str]:
    text = f"{what} on {len(wins)} of {total} problems ({', '.join(wins) or 'none'})"
    if 2 * len(wins) > total:
        return SUPPORTED, text
    return (NOT_SUPPORTED if not wins else MIXED), text


def _show_tuned(data) -> str:
    return "; ".join(f"{p}: " + ", ".join(f"{n} {r['steps'] if r['steps'] is not None else 'never'}"
                                          for n, r in row.items()) for p, row in data.items())


def _late(d):
    ada, agr = d["adadelta"]["late_over_early"], d["adagrad"]["late_over_early"]
    ok = min(ada) >= 0.25 and max(agr) < 0.25
    return (SUPPORTED if ok else NOT_SUPPORTED,
            f"mean step size, last tenth over first tenth of 2000 noisy steps: Adadelta {min(ada):.2f}-{max(ada):.2f}, "
            f"AdaGrad {min(agr):.2f}-{max(agr):.2f} (5 seeds)")


def _adadelta_slow(d):
    slow = [p for p, row in d.items()
            if _steps(row["adadelta"]["steps"]) > 2 * min(_steps(row["sgd"]["steps"]), _steps(row["adagrad"]["steps"]))]
    return (SUPPORTED if slow else NOT_SUPPORTED,
            f"Adadelta more than twice as slow as the best-tuned SGD or AdaGrad on {len(slow)} of {len(d)} problems "
            f"({_show_tuned(d)})")


def _simple(name):
    def verdict(d):
        wins = _tuned_wins(d, "sgd", name)
        return (SUPPORTED if wins else NOT_SUPPORTED,
                f"best-tuned SGD faster than best-tuned {name} on {len(wins)} of {len(d)} well-conditioned problems "
                f"({_show_tuned({p: {k: r[k] for k in ('sgd', name)} for p, r in d.items()})})")
    return verdict


def _early(name):
    def verdict(d):
        rows = {k: v for k, v in d.items() if k.startswith(name + "/")}
        rises = sum(sum(v["rises_in_first_20_steps"]) for v in rows.values())
        runs = sum(len(v["rises_in_first_20_steps"]) for v in rows.values())
        return (SUPPORTED if rises else NOT_SUPPORTED,
                f"the loss rose above its start in the first 20 steps in {rises} of {runs} runs "
                f"(noisy quadratics, each at its best learning rate)")
    return verdict


def _overshoot(d):
    crossed = {p: v["coordinate_crossings"] for p, v in d.items()}
    return (SUPPORTED if any(crossed.values()) else NOT_SUPPORTED,
            "best-tuned Momentum's coordinates crossed the minimiser " +
            ", ".join(f"{n} times on {p}" for p, n in crossed.items()))


def _both(d):
    return [r for rows in d.values() for r in rows
            if r["momentum"]["steps"] is not None and r["nag"]["steps"] is not None]


def _nag_fast(d):
    rows = _both(d)
    faster = sum(r["nag"]["steps"] <= r["momentum"]["steps"] for r in rows)
    calmer = sum(r["nag"]["direction_changes"] <= r["momentum"]["direction_changes"] for r in rows)
    verdict = SUPPORTED if faster == calmer == len(rows) else (MIXED if 2 * faster > len(rows) else NOT_SUPPORTED)
    return verdict, (f"at the same (lr, mu), NAG needed no more steps than Momentum at {faster} of {len(rows)} "
                     f"settings where both reached the target, and changed direction no more often at {calmer}")


def _nag_stable(d):
    rows = _both(d)
    calmer = sum(r["nag"]["direction_changes"] <= r["momentum"]["direction_changes"] for r in rows)
    verdict = SUPPORTED if calmer == len(rows) else (MIXED if 2 * calmer > len(rows) else NOT_SUPPORTED)
    return verdict, f"NAG changed direction no more often than Momentum at {calmer} of {len(rows)} settings"


def _rate(d):
    ok = d["nag_exponent"] < 0.6 and d["gd_exponent"] > 0.8
    return (SUPPORTED if ok else NOT_SUPPORTED,
            f"steps to 1e-6 at kappa {d['kappa']}: NAG {d['nag']} (exponent {d['nag_exponent']:.2f}), gradient "
            f"descent {d['gd']} (exponent {d['gd_exponent']:.2f})")


def _local(d):
    n, g = d["nag"]["global"], d["sgd"]["global"]
    return (SUPPORTED if n > g else NOT_SUPPORTED,
            f"of {len(d['starts'])} starts on the tilted double well, NAG ended in the global minimum from {n}, "
            f"gradient descent from {g}")


def _sensitive(d):
    spread = [p for p, v in d.items() if v["reached"] < v["of"] or (v["min"] and v["max"] / v["min"] > 10)]
    return (SUPPORTED if len(spread) == len(d) else (MIXED if spread else NOT_SUPPORTED),
            "; ".join(f"{p}: {v['reached']} of {v['of']} (lr, mu) settings reach the target, in {v['min']}-{v['max']} steps"
                      for p, v in d.items()))


def _nadam_fast(d):
    verdict, text = _majority(_tuned_wins(d, "nadam", "adam"), len(d), "best-tuned NAdam faster than best-tuned Adam")
    return verdict, text + f" ({_show_tuned(d)})"


def _rosenbrock(d):
    row = d["rosenbrock"]
    n, a = _steps(row["nadam"]["steps"]), _steps(row["adam"]["steps"])
    return (SUPPORTED if n < a else NOT_SUPPORTED,
            f"best-tuned steps to the target on the Rosenbrock function: NAdam {row['nadam']['steps']}, "
            f"Adam {row['adam']['steps']}")


def _adaptive(d):
    verdict, text = _majority(_tuned_wins(d, "adamw", "sgd"), len(d), "best-tuned AdamW faster than best-tuned SGD")
    return verdict, text + f" ({_show_tuned(d)})"


def _lr_robust(d):
    wins = [p for p, v in d.items() if v["nadam"] > v["adam"]]
    verdict, text = _majority(wins, len(d), "NAdam reached the target at more learning rates than Adam")
    return verdict, text + " (" + "; ".join(f"{p}: NAdam {v['nadam']}, Adam {v['adam']} of 9" for p, v in d.items()) + ")"


def _sparse(d):
    n, s = d["nadam"], d["sgd"]
    ok = n is not None and (s is None or n["mean_steps"] < s["mean_steps"])
    return (SUPPORTED if ok else NOT_SUPPORTED,
            f"mean steps to the target with 5% of the gradients present: NAdam {n and n['mean_steps']}, SGD "
            f"{s and s['mean_steps']} (each best-tuned, 5 seeds)")


def _generalise(a, b):
    def verdict(d):
        ma, mb = d[a]["mean"], d[b]["mean"]
        return (SUPPORTED if ma > mb else NOT_SUPPORTED,  # "better": a tie does not support it
                f"held-out accuracy, mean of 5 seeds, each at its best setting by validation loss: {a} {ma:.3f}, "
                f"{b} {mb:.3f}")
    return verdict


#: claim id -> how its experiment's numbers become a verdict (each claim's criterion, in code)
CRITERIA: dict[str, Callable[[dict], tuple[str, str]]] = {
    "adadelta_keeps_late_updates": _late,
    "adadelta_slow_sometimes": _adadelta_slow,
    "adamw_generalises": _generalise("adamw", "adam_l2"),
    "adamw_fast_convergence": _adaptive,
    "adamw_early_instability": _early("adamw"),
    "adamw_sgd_better_on_simple": _simple("adamw"),
    "momentum_overshoots": _overshoot,
    "nag_fast_less_zigzag": _nag_fast,
    "nag_generalises": _generalise("nag", "momentum"),
    "nag_optimal_rate_convex": _rate,
    "nag_escapes_local_minima": _local,
    "nag_stable_near_optimum": _nag_stable,
    "nag_sensitive_to_hyperparameters": _sensitive,
    "nadam_fast_convergence": _nadam_fast,
    "nadam_curvature_changes": _rosenbrock,
    "nadam_generalises": _generalise("nadam", "adam"),
    "nadam_sparse_gradients": _sparse,
    "nadam_robust_to_lr": _lr_robust,
    "nadam_worse_on_simple": _simple("nadam"),
    "nadam_early_instability": _early("nadam"),
}


# ------------------------------------------------------------------------------------------ in Korean
#: the evidence of each experiment's verdict in Korean, for the Korean sheets: the same numbers, short
def _ko_tuned(d) -> str:
    return "; ".join(f"{p}: " + ", ".join(f"{n} {r['steps'] if r['steps'] is not None else '도달 못 함'}"
                                          for n, r in row.items()) for p, row in d.items())


KO_EVIDENCE: dict[str, Callable[[dict], str]] = {
    "adadelta_keeps_late_updates": lambda d: (
        f"잡음 있는 2000 스텝에서 마지막 1/10과 처음 1/10의 평균 스텝 크기 비: Adadelta "
        f"{min(d['adadelta']['late_over_early']):.2f}-{max(d['adadelta']['late_over_early']):.2f}, AdaGrad "
        f"{min(d['adagrad']['late_over_early']):.2f}-{max(d['adagrad']['late_over_early']):.2f} (시드 5개)"),
    "adadelta_slow_sometimes": lambda d: "목표 손실까지의 스텝 수(최적 설정): " + _ko_tuned(d),
    "adamw_generalises": lambda d: f"검증 손실로 고른 설정의 테스트 정확도(시드 5개 평균): AdamW {d['adamw']['mean']:.3f}, "
                                   f"Adam+L2 {d['adam_l2']['mean']:.3f}",
    "adamw_fast_convergence": lambda d: "목표 손실까지의 스텝 수(최적 설정): " + _ko_tuned(d),
    "adamw_early_instability": lambda d: "처음 20 스텝 안에 손실이 시작값보다 커진 실행: "
        f"{sum(sum(v['rises_in_first_20_steps']) for k, v in d.items() if k.startswith('adamw/'))}회 / 10회",
    "adamw_sgd_better_on_simple": lambda d: "조건이 좋은 문제에서 목표까지의 스텝 수: " + _ko_tuned(
        {p: {k: r[k] for k in ("sgd", "adamw")} for p, r in d.items()}),
    "momentum_overshoots": lambda d: "최적 설정의 Momentum이 최솟점을 지나친 좌표 횟수: " + ", ".join(
        f"{p} {v['coordinate_crossings']}회" for p, v in d.items()),
    "nag_fast_less_zigzag": lambda d: (
        f"같은 (lr, mu)에서 둘 다 도달한 {len(_both(d))}개 설정 중 NAG의 스텝 수가 Momentum 이하인 설정 "
        f"{sum(r['nag']['steps'] <= r['momentum']['steps'] for r in _both(d))}개, 방향 전환이 이하인 설정 "
        f"{sum(r['nag']['direction_changes'] <= r['momentum']['direction_changes'] for r in _both(d))}개"),
    "nag_generalises": lambda d: f"테스트 정확도(시드 5개 평균): NAG {d['nag']['mean']:.3f}, Momentum {d['momentum']['mean']:.3f}",
    "nag_optimal_rate_convex": lambda d: (
        f"조건수 {d['kappa']}에서 1e-6까지의 스텝 수: NAG {d['nag']} (지수 {d['nag_exponent']:.2f}), 경사 하강법 "
        f"{d['gd']} (지수 {d['gd_exponent']:.2f})"),
    "nag_escapes_local_minima": lambda d: (
        f"기울어진 이중 우물의 시작점 {len(d['starts'])}개 중 전역 최솟값에 도달: NAG {d['nag']['global']}개, "
        f"경사 하강법 {d['sgd']['global']}개"),
    "nag_stable_near_optimum": lambda d: (
        f"NAG의 방향 전환이 Momentum 이하인 설정: {len(_both(d))}개 중 "
        f"{sum(r['nag']['direction_changes'] <= r['momentum']['direction_changes'] for r in _both(d))}개"),
    "nag_sensitive_to_hyperparameters": lambda d: "; ".join(
        f"{p}: (lr, mu) 설정 {v['of']}개 중 {v['reached']}개가 도달, {v['min']}-{v['max']} 스텝" for p, v in d.items()),
    "nadam_fast_convergence": lambda d: "목표까지의 스텝 수(최적 설정): " + _ko_tuned(d),
    "nadam_curvature_changes": lambda d: f"Rosenbrock 함수에서 목표까지의 스텝 수(최적 설정): NAdam "
                                         f"{d['rosenbrock']['nadam']['steps']}, Adam {d['rosenbrock']['adam']['steps']}",
    "nadam_generalises": lambda d: f"테스트 정확도(시드 5개 평균): NAdam {d['nadam']['mean']:.3f}, Adam {d['adam']['mean']:.3f}",
    "nadam_sparse_gradients": lambda d: (
        f"그래디언트가 5%만 있을 때 목표까지의 평균 스텝 수(최적 설정, 시드 5개): NAdam "
        f"{d['nadam'] and d['nadam']['mean_steps']}, SGD {d['sgd'] and d['sgd']['mean_steps']}"),
    "nadam_robust_to_lr": lambda d: "목표에 도달한 학습률 수(9개 중): " + "; ".join(
        f"{p}: NAdam {v['nadam']}, Adam {v['adam']}" for p, v in d.items()),
    "nadam_worse_on_simple": lambda d: "조건이 좋은 문제에서 목표까지의 스텝 수: " + _ko_tuned(
        {p: {k: r[k] for k in ("sgd", "nadam")} for p, r in d.items()}),
    "nadam_early_instability": lambda d: "처음 20 스텝 안에 손실이 시작값보다 커진 실행: "
        f"{sum(sum(v['rises_in_first_20_steps']) for k, v in d.items() if k.startswith('nadam/'))}회 / 10회",
}
_KO_STATUS = {"proved": "증명됨", "refuted": "반증됨", "undecided": "미결정"}
_KO_QUANTITY = {"state_arrays": "파라미터당 상태 배열", "operations": "원소당 연산 수", "hyperparameters": "하이퍼파라미터 수"}


# ------------------------------------------------------------------------------------------ decide
def decide_all(claims=None, progress: Callable[[str], None] | None = None, figures: bool = True,
               verdicts: Iterable | None = None) -> dict:
    """Every claim's verdict and evidence, and the experiments' numbers (with ``figures``, also those of
    the experiments that only draw the sheets' figures).  ``verdicts``: the prover's verdicts when the
    caller has them already (``optforge regenerate``); the properties are not checked again."""
    from optforge.specs import PROPERTIES, SPECS
    from optforge.specs import claims as claim_data
    from optforge.specs.claims import ByProperties, Compare, Experiment, NotDecidable

    from . import experiments

    claims = claim_data.CLAIMS if claims is None else claims
    known = {v.prop.name: v for v in verdicts or ()}
    data: dict[str, dict] = {}
    out = []
    for i, claim in enumerate(claims, 1):
        d = claim.decide
        if isinstance(d, ByProperties):
            verdict, evidence, korean = _properties_texts(d, _checked(d, PROPERTIES, known))
            how = "prover"
        elif isinstance(d, Compare):
            verdict, evidence, korean = _compare_texts(d, _compared(d, SPECS))
            how = "structure"
        elif isinstance(d, Experiment):
            if d.name not in data:
                if progress:
                    progress(f"claim {i}/{len(claims)}: experiment {d.name}")
                data[d.name] = experiments.EXPERIMENTS[d.name]()
            verdict, evidence = CRITERIA[claim.id](data[d.name])
            evidence += f". Criterion: {d.criterion}"
            how = f"experiment {d.name}"
            korean = KO_EVIDENCE[claim.id](data[d.name]) if claim.id in KO_EVIDENCE else ""
        elif isinstance(d, NotDecidable):
            verdict, evidence, how = NOT_DECIDABLE, d.reason, "-"
            korean = claim_data.KO_REASONS.get(d.reason, "")
        else:
            raise TypeError(f"claim {claim.id}: no decision kind {type(d).__name__}")
        assert verdict in VERDICTS
        out.append({"id": claim.id, "optimizers": list(claim.optimizers), "kind": claim.kind, "verdict": verdict,
                    "decided_by": how, "evidence": evidence, "evidence_ko": korean, "quote": claim.quote,
                    "english": claim.english})
    if figures:
        for name, make in experiments.FIGURES.items():
            data[name] = make()
    return {"generated_by": "optforge claims (codegen/claims.py) from specs/claims.py; do not edit",
            "protocol": experiments.PROTOCOL, "claims": out, "experiments": data}


def decide_in_subprocess(generated: Path | None = None) -> dict:
    """:func:`decide_all` in a fresh interpreter (``codegen/claims_child.py``): its experiments import the
    generated kernels as they are on disk now (after ``optforge regenerate`` rewrote them), not the ones
    this process loaded.  ``generated``: the folder to import them from (``regenerate --out``); default,
    the installed ``optforge.generated``."""
    import subprocess

    child = [sys.executable, str(Path(__file__).with_name("claims_child.py"))]
    done = subprocess.run(child + ([str(generated)] if generated is not None else []), capture_output=True,
                          text=True)
    if done.returncode != 0:
        raise RuntimeError(f"deciding the claims failed:\n{done.stderr}")
    return json.loads(done.stdout)


def imported_folder() -> Path | None:
    """The folder this process imports ``optforge.generated`` from (found, not imported: a package made
    for another contract must not stop ``regenerate``), or None."""
    from importlib.util import find_spec

    found = find_spec("optforge.generated")
    return Path(found.origin).resolve().parent if found is not None and found.origin else None


def decide_on(kernels: list, folder: Path, written: bool = False, verdicts: Iterable | None = None,
              say: Callable[[str], None] | None = None) -> dict:
    """:func:`decide_all` on the kernels the specs produce (``kernels``: ``generate.render_package``'s
    files), never on stale ones: in this process when the package it imports holds them (and this run did
    not rewrite it after importing: ``written``, into ``folder``); else in a fresh interpreter on ``folder``
    when it holds them; else (``folder`` stale, missing, or made for another contract) in a fresh
    interpreter on a temporary folder they are written into."""
    import tempfile

    from .generate import stale, write_atomic

    say = say or (lambda text: None)
    folder, loaded = Path(folder).resolve(), imported_folder()
    if loaded is not None and not (written and loaded == folder) and not stale(kernels, loaded):
        return decide_all(verdicts=verdicts, progress=say)
    if not stale(kernels, folder):
        say(f"deciding the claims with the kernels in {folder}, in a fresh interpreter")
        return decide_in_subprocess(folder)
    say(f"{folder} does not hold the kernels the specs produce: deciding the claims with freshly generated "
        "ones, in a fresh interpreter")
    with tempfile.TemporaryDirectory(prefix="optforge-claims-") as tmp:
        for f in kernels:
            write_atomic(Path(tmp) / f.path, f.text)
        return decide_in_subprocess(Path(tmp))


def render(result: dict) -> str:
    return json.dumps(result, ensure_ascii=False, indent=1, sort_keys=False, default=str) + "\n"


def line(c: dict) -> str:
    return f"{c['id']:36s} {'/'.join(c['optimizers']):24s} {c['verdict']:18s} {c['evidence']}"


def main(argv: list[str] | None = None, prog: str = "optforge claims") -> int:
    """Decide every claim of the source document; print one line per claim; write generated/claims/."""
    from .cli import default_generated
    from .generate import write_atomic

    parser = argparse.ArgumentParser(prog=prog, description=main.__doc__)
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 when generated/claims/ is stale")
    parser.add_argument("--out", type=Path, default=None, help="the generated/ folder (default: the checkout's)")
    args = parser.parse_args(argv)
    args.out = args.out or default_generated()
    start = time.perf_counter()
    from optforge.specs import PROPERTIES, SPECS

    from .generate import render_package

    def say(text: str) -> None:
        print(text, file=sys.stderr, flush=True)
    result = decide_on(render_package(SPECS.values(), PROPERTIES), args.out, say=say)
    for c in result["claims"]:
        print(line(c))
    counts = {v: sum(c["verdict"] == v for c in result["claims"]) for v in VERDICTS}
    print(f"{len(result['claims'])} claims in {time.perf_counter() - start:.0f} s: "
          + ", ".join(f"{n} {v}" for v, n in counts.items() if n))
    path = args.out / OUTPUT
    text = render(result)
    if args.check:
        if not path.is_file() or path.read_text() != text:
            print(f"error: {path} is stale; run {prog}", file=sys.stderr)
            return 1
        return 0
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, text)
    print(f"wrote {path}")
    return 0
