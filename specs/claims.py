"""The source document's claims about its optimizers, each written once with how it is decided.

Beside the update equations, the document (restated in ``docs/algorithms.md``) lists pros and cons of
each optimizer and compares them.  Each entry below is one claim: the optimizers it is about, the
document's Korean words quoted exactly, an English rendering, and its *decision*, one of

* :class:`ByProperties`: the verdicts of properties declared beside the specs (each must get its
  declared verdict; the claim is then proved, or refuted when ``refutes=True``);
* :class:`Compare`: a structural comparison read off the specs and their lowered kernels (state arrays
  per parameter, arithmetic per element, hyperparameters): proved or refuted;
* :class:`Experiment`: a measurement through the generated kernels (``codegen/experiments.py``),
  turned into supported / not supported / mixed by the stated criterion; never "proved";
* :class:`NotDecidable`: a claim no proof or experiment on this scale can decide, with the reason.

``codegen/claims.py`` decides them; ``optforge claims`` prints one line per claim.  Where one sentence
of the document bundles several claims, it is split (the quote is then the part that states each).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ByProperties:
    """The claim holds when every named property gets its declared verdict (``refutes``: the
    properties show the claim false)."""

    properties: tuple[str, ...]
    refutes: bool = False
    note: str = ""


@dataclass(frozen=True)
class Compare:
    """``quantity(a) <relation> quantity(b)`` read off the specs: ``state_arrays`` (per parameter),
    ``operations`` (arithmetic per element of the lowered kernel, all kinds together) or
    ``hyperparameters`` (how many the user sets).  ``relation``: '>', '=', '<'."""

    quantity: str
    a: str
    b: str | tuple[str, ...]
    relation: str
    note: str = ""


@dataclass(frozen=True)
class Experiment:
    """A measurement (``codegen/experiments.py``, by ``name``) and the criterion its verdict states."""

    name: str
    criterion: str


@dataclass(frozen=True)
class NotDecidable:
    reason: str


@dataclass(frozen=True)
class Claim:
    id: str
    optimizers: tuple[str, ...]
    quote: str  # the document's words, exactly
    english: str
    decide: object
    kind: str = "pro"  # "pro", "con" or "comparison"
    tags: tuple[str, ...] = field(default=())


_SCALE = ("large models and data sets: no experiment that runs in minutes on two cores shows how an "
          "optimizer behaves at that scale")
_PEOPLE = "a statement about people's work (implementing, debugging, analysing), not about the update"
_THEORY = "a statement about which theorems exist for a class of problems; neither a proof about one update nor an experiment settles it"

#: the reasons above in Korean, for the Korean sheets
KO_REASONS = {
    _SCALE: "큰 모델과 데이터셋: 두 코어에서 몇 분 안에 끝나는 실험으로는 그 규모에서의 동작을 보일 수 없습니다",
    _PEOPLE: "사람의 작업(구현, 디버깅, 분석)에 관한 진술로, 업데이트 자체에 관한 것이 아닙니다",
    _THEORY: "어떤 문제 부류에 어떤 정리가 있는지에 관한 진술로, 한 업데이트에 대한 증명이나 실험으로 판단할 수 없습니다",
}

CLAIMS: tuple[Claim, ...] = (
    # ------------------------------------------------------------------ Adadelta (document section 1)
    Claim("adadelta_no_learning_rate", ("adadelta",),
          "학습률이 자동으로 조정되어 수동으로 설정할 필요가 없습니다.",
          "the learning rate adapts by itself, so it need not be set by hand",
          ByProperties(("adadelta_update_has_units_of_theta", "sgd_update_lacks_units_of_theta"),
                       note="Adadelta has no step-size hyperparameter, and its update has the units of theta "
                            "(rescaling theta by c rescales the update by c); SGD's does not")),
    Claim("adadelta_fixes_adagrad_decay", ("adadelta", "adagrad"),
          "AdaGrad의 학습률 감소 문제를 해결합니다.",
          "it fixes AdaGrad's shrinking learning rate",
          ByProperties(("adagrad_step_vanishes", "adadelta_fixed_point_nonzero_step"),
                       note="with a constant gradient AdaGrad's step tends to 0, while Adadelta has a fixed "
                            "point whose step is -g")),
    Claim("adadelta_keeps_late_updates", ("adadelta", "adagrad"),
          "학습 후반부에도 적절한 크기의 업데이트를 유지할 수 있게 되었습니다.",
          "updates keep a useful size late in training",
          Experiment("late_step_size", "supported when, on a noisy quadratic, Adadelta's mean step size over the "
                                       "last tenth of 2000 steps is at least a quarter of its size over the first "
                                       "tenth, for every seed, while AdaGrad's falls below that")),
    Claim("adadelta_fixed_window", ("adadelta",),
          "과거의 모든 그래디언트를 누적하는 대신, 고정된 크기의 윈도우 내의 그래디언트만을 사용합니다.",
          "instead of accumulating every past gradient, it uses only the gradients inside a fixed-size window",
          ByProperties(("adadelta_constant_gradient_average",), refutes=True,
                       note="E[g^2]_t = (1 - rho^t) g^2 changes at every t: each past gradient keeps the weight "
                            "(1 - rho) rho^k, however old; the moving average weighs about 1/(1 - rho) recent steps "
                            "most but has no window"), kind="comparison"),
    Claim("adadelta_more_memory", ("adadelta", "adagrad"),
          "메모리 사용량이 AdaGrad보다 더 많습니다.",
          "it uses more memory than AdaGrad",
          Compare("state_arrays", "adadelta", "adagrad", ">"), kind="con"),
    Claim("adadelta_more_computation", ("adadelta", "adagrad"),
          "계산 복잡도가 약간 높습니다.",
          "it costs slightly more computation (than AdaGrad)",
          Compare("operations", "adadelta", "adagrad", ">"), kind="con"),
    Claim("adadelta_slow_sometimes", ("adadelta",),
          "일부 경우에 수렴 속도가 느릴 수 있습니다.",
          "it can converge slowly in some cases",
          Experiment("adadelta_vs_tuned", "supported when on at least one problem of the suite Adadelta, at its "
                                          "best rho of the grid, needs more than twice the steps of the best-tuned "
                                          "SGD or AdaGrad to reach the target loss (or never reaches it)"),
          kind="con"),
    # ------------------------------------------------------------------ AdamW (document section 2)
    Claim("adamw_fixes_adam_l2", ("adamw", "adam"),
          "Adam은 적응적 학습률과 모멘텀을 결합한 효과적인 알고리즘이었지만, L2 정규화(weight decay)를 제대로 처리하지 못하는 문제가 있었습니다.",
          "Adam with L2 regularisation does not apply weight decay as such; AdamW decouples it",
          ByProperties(("adam_l2_is_not_adamw", "adamw_decay_is_decoupled"),
                       note="Adam with an L2 term is not AdamW (refuted, as declared); AdamW's decay acts on "
                            "theta_{t-1} outside the adaptive scaling"), kind="comparison"),
    Claim("adamw_generalises", ("adamw",),
          "효과적인 가중치 감쇠로 일반화 성능 향상",
          "better generalisation through effective weight decay",
          Experiment("generalisation", "supported when AdamW's held-out accuracy, each optimizer at its best "
                                       "setting of the grid by validation loss, is higher than Adam+L2's on the "
                                       "classification task, mean over 5 seeds")),
    Claim("adamw_fast_convergence", ("adamw",),
          "적응적 학습률을 통한 빠른 수렴",
          "fast convergence through adaptive learning rates",
          Experiment("adaptive_vs_sgd", "supported when best-tuned AdamW reaches the target loss in fewer steps "
                                        "than best-tuned SGD on most ill-conditioned problems of the suite")),
    Claim("adamw_large_models", ("adamw",),
          "큰 모델과 데이터셋에서 뛰어난 성능",
          "excellent performance on large models and data sets",
          NotDecidable(_SCALE)),
    Claim("adamw_scale_insensitive", ("adamw", "adam"),
          "그래디언트 크기에 덜 민감한 안정적 학습",
          "stable training, less sensitive to the gradient's scale",
          ByProperties(("adam_scale_invariant", "adamw_decay_is_decoupled"),
                       note="with eps = 0, scaling the gradient by c > 0 leaves Adam's update unchanged, and "
                            "AdamW's update is Adam's plus a decay that does not involve the gradient")),
    Claim("adamw_same_memory_as_adam", ("adamw", "adam"),
          "Adam과 동일한 메모리 효율성",
          "the same memory efficiency as Adam",
          Compare("state_arrays", "adamw", "adam", "=")),
    Claim("adamw_more_computation_than_sgd", ("adamw", "sgd", "momentum"),
          "SGD나 모멘텀 방식보다 약간 높은 계산 복잡도",
          "slightly more computation than SGD or Momentum",
          Compare("operations", "adamw", ("sgd", "momentum"), ">"), kind="con"),
    Claim("adamw_lambda_to_tune", ("adamw", "adam"),
          "가중치 감쇠 계수(λ) 선택을 위한 추가 튜닝 필요",
          "its weight decay coefficient lambda needs extra tuning",
          Compare("hyperparameters", "adamw", "adam", ">",
                  note="one more hyperparameter than Adam, and it changes the update (adamw_lambda0_is_adam: "
                       "only lambda = 0 is Adam)"), kind="con"),
    Claim("adamw_early_instability", ("adamw",),
          "학습 초기에 간혹 불안정할 수 있음",
          "it can occasionally be unstable early in training",
          Experiment("early_instability", "supported when, at the learning rate best for the whole run, the loss "
                                          "rises above its starting value during the first 20 steps for at least "
                                          "one seed of the noisy problems"), kind="con"),
    Claim("adamw_sgd_better_on_simple", ("adamw", "sgd"),
          "일부 간단한 문제에서는 SGD가 더 효과적일 수 있음",
          "on some simple problems SGD does better",
          Experiment("simple_problems", "supported when best-tuned SGD reaches the target loss in fewer steps than "
                                        "best-tuned AdamW on at least one well-conditioned problem"), kind="con"),
    Claim("adamw_harder_to_debug", ("adamw",),
          "기본 SGD보다 복잡한 구현으로 디버깅이 어려울 수 있음",
          "its more complex implementation can be harder to debug than SGD's",
          NotDecidable(_PEOPLE), kind="con"),
    # ------------------------------------------------------------------ NAG (document section 3)
    Claim("nag_decelerates_at_high_curvature", ("nag", "momentum"),
          "NAG: Momentum보다 더 나은 수렴 특성을 보이며, 특히 곡률이 큰 영역에서 더 효과적으로 감속합니다.",
          "NAG converges better than Momentum and slows down more effectively where the curvature is high",
          ByProperties(("nag_step_on_a_quadratic", "nag_is_not_momentum"),
                       note="on f = a x^2 / 2 NAG's velocity is mu (1 - lr a) v + lr a theta: the look-ahead damps "
                            "the momentum by (1 - lr a), more the larger the curvature a; Momentum's is mu v + lr a "
                            "theta"), kind="comparison"),
    Claim("momentum_overshoots", ("momentum",),
          "Momentum: 빠른 수렴을 제공하지만, 때때로 목표를 지나칠 수 있습니다.",
          "Momentum converges fast but sometimes overshoots the target",
          Experiment("overshoot", "supported when Momentum's iterate crosses the minimiser on an ill-conditioned "
                                  "quadratic at its best-tuned setting"), kind="comparison"),
    Claim("nag_fast_less_zigzag", ("nag", "momentum"),
          "이로 인해 불필요한 지그재그 움직임이 줄어들어 빠르게 수렴합니다.",
          "less zig-zag, so it converges fast (faster than Momentum)",
          Experiment("nag_vs_momentum", "supported when, at the same (lr, mu), NAG needs no more steps than Momentum "
                                        "to reach the target on every quadratic of the suite and changes direction "
                                        "no more often")),
    Claim("nag_generalises", ("nag",),
          "향상된 일반화: 미래 위치의 그래디언트를 사용함으로써 급격한 방향 전환을 줄입니다.",
          "better generalisation, fewer abrupt changes of direction",
          Experiment("generalisation", "supported when NAG's held-out accuracy at its best setting is higher than "
                                       "Momentum's on the classification task, mean over 5 seeds")),
    Claim("nag_optimal_rate_convex", ("nag",),
          "이론적 보장: NAG의 수학적 구조는 볼록 함수에서 최적의 수렴 속도를 보장합니다.",
          "on convex functions it attains the optimal convergence rate",
          Experiment("rate_vs_condition", "supported when, on quadratics with condition numbers 10 to 10^4 and the "
                                          "textbook parameters, the steps NAG needs grow like sqrt(kappa) "
                                          "(fitted exponent below 0.6) while gradient descent's grow like kappa")),
    Claim("nag_escapes_local_minima", ("nag",),
          "지역 최솟값 회피: 모멘텀 성분이 이전 업데이트의 관성을 유지하여, 작은 지역 최솟값을 넘어갈 수 있는 힘을 제공합니다.",
          "the momentum carries it over small local minima",
          Experiment("local_minimum", "supported when, from the same starts on a tilted double well, NAG ends in "
                                      "the global minimum more often than gradient descent at the same lr")),
    Claim("nag_stable_near_optimum", ("nag", "momentum"),
          "안정적인 수렴: 미래 위치의 그래디언트를 사용하여 현재 움직임을 조절하므로, 최적점 근처에서 과도한 진동을 방지합니다.",
          "stable convergence: it avoids excessive oscillation near the optimum",
          Experiment("nag_vs_momentum", "supported when NAG's iterate changes direction less often than Momentum's "
                                        "at the same (lr, mu) on every quadratic of the suite")),
    Claim("nag_sensitive_to_hyperparameters", ("nag",),
          "하이퍼파라미터 민감성: NAG의 성능은 학습률과 모멘텀 계수에 크게 의존합니다.",
          "its performance depends strongly on the learning rate and the momentum",
          Experiment("sensitivity", "supported when, over the (lr, mu) grid, NAG's steps to target vary by more than "
                                    "a factor 10 (or it diverges) on every problem"), kind="con"),
    Claim("nag_not_adaptive", ("nag",),
          "비적응성: NAG는 모든 파라미터에 대해 동일한 학습률을 사용합니다.",
          "it is not adaptive: every parameter gets the same learning rate",
          ByProperties(("nag_update_scales_with_the_gradient",),
                       note="scaling the gradient by c scales NAG's update by c: no per-coordinate normalisation"),
          kind="con"),
    Claim("nag_nonconvex_weaker", ("nag",),
          "비볼록 문제에서의 한계: NAG의 이론적 보장은 주로 볼록 함수에 대해 성립합니다.",
          "its theoretical guarantee is weaker on non-convex problems",
          NotDecidable(_THEORY), kind="con"),
    Claim("nag_more_computation", ("nag", "sgd"),
          "계산 복잡성: NAG는 미래 위치의 그래디언트를 계산해야 하므로, 기본 경사 하강법보다 약간 더 많은 연산이 필요합니다.",
          "it needs slightly more computation than plain gradient descent",
          Compare("operations", "nag", "sgd", ">",
                  note="a few more operations per element; but no second gradient: the stored form needs the "
                       "gradient only at the stored variable (nag_lookahead_equals_stored_form)"), kind="con"),
    Claim("nag_memory", ("nag", "sgd"),
          "메모리 요구: NAG는 현재 파라미터 값 외에도 속도 벡터를 저장해야 합니다.",
          "it stores a velocity vector besides the parameters",
          Compare("state_arrays", "nag", "sgd", ">"), kind="con"),
    # ------------------------------------------------------------------ NAdam (document section 4)
    Claim("nadam_combines_adam_and_nag", ("nadam", "adam"),
          "이는 Adam(Adaptive Moment Estimation)과 NAG(Nesterov Accelerated Gradient)의 장점을 결합한 것입니다.",
          "it combines Adam and NAG: without the Nesterov term it is Adam",
          ByProperties(("nadam_without_nesterov_is_adam",)), kind="comparison"),
    Claim("nadam_fast_convergence", ("nadam", "adam"),
          "빠른 수렴: Nesterov 모멘텀과 Adam의 적응적 학습률을 결합하여, 더 정확한 그래디언트 방향을 예측합니다.",
          "it converges faster (than Adam)",
          Experiment("nadam_vs_adam", "supported when best-tuned NAdam reaches the target in fewer steps than "
                                      "best-tuned Adam on most problems of the suite")),
    Claim("nadam_curvature_changes", ("nadam", "adam"),
          "이는 특히 급격한 곡률 변화가 있는 손실 함수 지형에서 유용할 수 있습니다.",
          "the look-ahead is especially useful where the loss surface's curvature changes sharply",
          Experiment("nadam_vs_adam", "supported when best-tuned NAdam reaches the target in fewer steps than "
                                      "best-tuned Adam on the Rosenbrock function, whose curved valley changes "
                                      "curvature sharply"), kind="comparison"),
    Claim("nadam_generalises", ("nadam", "adam"),
          "향상된 일반화: \"미리 보기\" 메커니즘으로 과도한 진동을 줄이고, 더 부드러운 최적화 경로를 따릅니다.",
          "better generalisation, a smoother path",
          Experiment("generalisation", "supported when NAdam's held-out accuracy at its best setting is higher than "
                                       "Adam's on the classification task, mean over 5 seeds")),
    Claim("nadam_adaptive", ("nadam",),
          "적응적 학습률: Adam처럼 파라미터별 학습률을 조정하여 다양한 스케일의 그래디언트를 효과적으로 처리합니다.",
          "per-parameter adaptive rates handle gradients of different scales",
          ByProperties(("nadam_scale_invariant",),
                       note="with eps = 0, scaling the gradient by c > 0 leaves NAdam's update unchanged")),
    Claim("nadam_sparse_gradients", ("nadam",),
          "희소 그래디언트 처리: 적응적 학습률로 인해 자주 업데이트되지 않는 파라미터도 효과적으로 학습합니다.",
          "parameters updated rarely (sparse gradients) still learn effectively",
          Experiment("sparse", "supported when, on a problem whose coordinates get a gradient on 5% of the steps, "
                               "best-tuned NAdam reaches the target in fewer steps than best-tuned SGD")),
    Claim("nadam_robust_to_lr", ("nadam", "adam"),
          "하이퍼파라미터 강건성: 적응적 특성으로 인해 초기 학습률 설정에 덜 민감합니다.",
          "less sensitive to the initial learning rate",
          Experiment("lr_sensitivity", "supported when NAdam reaches the target at more learning rates of the grid "
                                       "than Adam on most problems")),
    Claim("nadam_more_computation", ("nadam", "adam"),
          "계산 복잡성: Nesterov 모멘텀 계산으로 인해 Adam보다 약간의 추가 연산이 필요합니다.",
          "slightly more computation than Adam",
          Compare("operations", "nadam", "adam", ">"), kind="con"),
    Claim("nadam_memory", ("nadam", "sgd"),
          "메모리 요구: 1차 및 2차 모멘트 추정치를 저장해야 하므로 추가 메모리가 필요합니다.",
          "it stores first and second moment estimates: extra memory",
          Compare("state_arrays", "nadam", "sgd", ">"), kind="con"),
    Claim("nadam_hard_theory", ("nadam",),
          "이론적 이해의 한계: Adam과 NAG의 복잡한 결합으로 인해 수학적 분석이 어려울 수 있습니다.",
          "its mathematical analysis can be hard",
          NotDecidable(_PEOPLE), kind="con"),
    Claim("nadam_worse_on_simple", ("nadam", "sgd"),
          "일부 상황에서의 성능 저하: 모든 문제에 최적화되어 있지 않아, 단순한 문제에서는 오히려 성능이 떨어질 수 있습니다.",
          "on simple problems it can do worse",
          Experiment("simple_problems", "supported when best-tuned SGD reaches the target in fewer steps than "
                                        "best-tuned NAdam on at least one well-conditioned problem"), kind="con"),
    Claim("nadam_early_instability", ("nadam",),
          "학습 초기의 불안정성: 초기 단계에서 모멘텀과 적응적 학습률의 상호작용으로 불안정할 수 있습니다.",
          "it can be unstable early in training",
          Experiment("early_instability", "supported when, at the learning rate best for the whole run, the loss "
                                          "rises above its starting value during the first 20 steps for at least "
                                          "one seed of the noisy problems"), kind="con"),
)
