"""The words on the equation sheets, keyed by their English source text.

``EN``: LaTeX for the English texts (headings, and the specs' texts where the plain text has
math or code, such as ``theta - mu v``); any other English text is printed escaped.
``KO``: the Korean text of every heading and of every text a spec shows (titles, descriptions,
meanings, framework notes, property statements), in the source document's terminology
(학습률, 감쇠율, 그래디언트, 모멘텀, 1차 모멘트, 편향 보정, 가중치 감쇠 계수, 미리 보기 ...).
A text that changes in a spec must change here too; ``tests/sheets/test_sheets.py`` fails on a
missing or a stale entry.
"""

# ---------------------------------------------------------------- English: headings and math
EN: dict[str, str] = {
    # sentences the templates use (keys are names, not shown text)
    "the source document": (
        r"\emph{The document} here is the source of optforge's built-in specs: a Korean article on "
        r"gradient-descent optimizers. Its formulas, default values and claims are restated in "
        r"\texttt{docs/algorithms.md} in the repository."),
    "It matches to rounding when torch's default dtype is float64 (torch.set_default_dtype(torch.float64)); "
    "otherwise torch keeps its running product mu_product in float32.": (
        r"It matches to rounding when torch's default dtype is float64 "
        r"(\texttt{torch.set\_default\_dtype(torch.float64)}); otherwise torch keeps its running product "
        r"\texttt{mu\_product} in float32."),
    "sequential semantics": (
        r"In order, top to bottom. A subscript $t-1$ is the value before the step, $t$ the value "
        r"after it; $t = 1, 2, \dots$ counts the updates, and every state starts at its initial "
        r"value."),
    "change of variables introduction": (
        r"The gradient is taken at the look-ahead point. Storing that point instead of the "
        r"parameters gives a form that needs the gradient only at the stored variable:"),
    "derived form explanation": (
        r"Derived by the toolkit from the equations above (\texttt{stored\_gradient\_form()}); "
        r"the kernels implement it, so the arrays they update hold the stored variable, and the "
        r"property below proves that the two forms agree."),
    "booklet introduction": (
        r"One sheet per optimizer, typeset from the same SymPy expressions as the generated kernels. "
        r"Each sheet gives the update equations in order, the hyperparameters and the state, the "
        r"verdict of every property the prover checked, how PyTorch, optax and Keras differ, and the "
        r"matching \texttt{torch.optim} call."),
    # spec texts with math or code
    "PyTorch and optax keep the learning rate outside the buffer: v = lr * momentum_buffer (theta identical "
    "for a constant lr; not under a learning-rate schedule).": (
        r"PyTorch and optax keep the learning rate outside the buffer: $v = \eta \cdot{}$"
        r"\texttt{momentum\_buffer} ($\theta$ identical for a constant learning rate; not under a "
        r"learning-rate schedule)."),
    "Keras SGD(momentum) is this form with v = -m.":
        r"Keras \texttt{SGD(momentum)} is this form with $v = -m$.",
    "Momentum whose gradient is evaluated at the look-ahead point theta - mu v.":
        r"Momentum whose gradient is evaluated at the look-ahead point $\theta - \mu v$.",
    "look-ahead point theta - mu v": r"look-ahead point $\theta - \mu v$",
    "look-ahead point theta - mu v: the stored variable after the step, gradient taken there":
        r"look-ahead point $\theta - \mu v$: the stored variable after the step, gradient taken there",
    "NAG's look-ahead form equals its derived form under phi = theta - mu v":
        r"NAG's look-ahead form equals its derived form under $\phi = \theta - \mu v$",
    "NAG with the gradient taken at theta is Momentum": r"NAG with the gradient taken at $\theta$ is Momentum",
    "Momentum with mu = 0 is SGD": r"Momentum with $\mu = 0$ is SGD",
    "PyTorch, optax and Keras store the look-ahead point: their parameter is phi = theta - mu v, with "
    "v = lr * momentum_buffer (PyTorch, optax).": (
        r"PyTorch, optax and Keras store the look-ahead point: their parameter is $\phi = \theta - \mu v$, "
        r"with $v = \eta \cdot{}$\texttt{momentum\_buffer} (PyTorch, optax)."),
    "per-coordinate scale, eps outside the square root": r"per-coordinate scale, $\epsilon$ outside the square root",
    "per-coordinate scale, eps inside the square root": r"per-coordinate scale, $\epsilon$ inside the square root",
    "PyTorch: identical (eps outside the square root, accumulator starts at 0).":
        r"PyTorch: identical ($\epsilon$ outside the square root, accumulator starts at 0).",
    "optax and Keras: eps inside the square root (the Adagrad-eps-in-sqrt variant), accumulator starts at 0.1, "
    "eps 1e-7.": (
        r"optax and Keras: $\epsilon$ inside the square root (the \texttt{adagrad\_eps\_in\_sqrt} variant), "
        r"accumulator starts at 0.1, $\epsilon = 10^{-7}$."),
    "AdaGrad with eps inside the square root, as optax and Keras place it.":
        r"AdaGrad with $\epsilon$ inside the square root, as optax and Keras place it.",
    "optax adagrad and Keras Adagrad place eps here (their accumulator starts at 0.1).":
        r"optax \texttt{adagrad} and Keras \texttt{Adagrad} place $\epsilon$ here (their accumulator starts at 0.1).",
    "with a constant gradient, Adagrad's step tends to 0 as t -> oo":
        r"with a constant gradient, Adagrad's step tends to 0 as $t \to \infty$",
    "with a constant gradient g, E[g^2] = E[dtheta^2] = g^2 is a fixed point whose step is -g (not 0)": (
        r"with a constant gradient $g$, $E[g^2] = E[\Delta\theta^2] = g^2$ is a fixed point whose step is "
        r"$-g$ (not 0)"),
    "rescaling theta by c (g by 1/c, E[g^2] by 1/c^2, E[dtheta^2] by c^2, eps = 0) multiplies Adadelta's "
    "update by c": (
        r"rescaling $\theta$ by $c$ ($g$ by $1/c$, $E[g^2]$ by $1/c^2$, $E[\Delta\theta^2]$ by $c^2$, "
        r"$\epsilon = 0$) multiplies Adadelta's update by $c$"),
    "SGD's update is not multiplied by c when theta is rescaled by c":
        r"SGD's update is not multiplied by $c$ when $\theta$ is rescaled by $c$",
    "PyTorch: identical with lr=1.0 (its default) and rho passed explicitly (its default is 0.9).":
        r"PyTorch: identical with \texttt{lr=1.0} (its default) and \texttt{rho} passed explicitly "
        r"(its default is 0.9).",
    "optax: adadelta(learning_rate=1.0, rho=0.95) is identical; the default learning_rate=None performs "
    "gradient ascent.": (
        r"optax: \texttt{adadelta(learning\_rate=1.0, rho=0.95)} is identical; the default "
        r"\texttt{learning\_rate=None} performs gradient ascent."),
    "Keras: Adadelta(learning_rate=1.0, rho=0.95, epsilon=1e-6) is identical; its defaults are not.":
        r"Keras: \texttt{Adadelta(learning\_rate=1.0, rho=0.95, epsilon=1e-6)} is identical; its defaults "
        r"are not.",
    "All three accumulate the unscaled update, so lr != 1 is not a scaled Adadelta.":
        r"All three accumulate the unscaled update, so $\eta \ne 1$ is not a scaled Adadelta.",
    "Adam with b1 = 0 is RMSprop (alpha = b2) with a bias-corrected v":
        r"Adam with $\beta_1 = 0$ is RMSprop ($\alpha = \beta_2$) with a bias-corrected $v$",
    "Adam with b1 = 0 minus RMSprop (alpha = b2) is exactly lr g/(sqrt(v_t)+eps) - lr g/(sqrt(vhat_t)+eps)": (
        r"Adam with $\beta_1 = 0$ minus RMSprop ($\alpha = \beta_2$) is exactly "
        r"$\eta g_t/(\sqrt{v_t} + \epsilon) - \eta g_t/(\sqrt{\hat{v}_t} + \epsilon)$"),
    "optax rmsprop and Keras RMSprop put eps inside the square root; defaults 0.9 and eps 1e-7.":
        r"optax \texttt{rmsprop} and Keras \texttt{RMSprop} put $\epsilon$ inside the square root; "
        r"defaults 0.9 and $\epsilon = 10^{-7}$.",
    "RMS of the gradients, eps outside the square root": r"RMS of the gradients, $\epsilon$ outside the square root",
    "from zero state with a constant gradient g, mhat_t = g and vhat_t = g^2 for every t":
        r"from zero state with a constant gradient $g$, $\hat{m}_t = g$ and $\hat{v}_t = g^2$ for every $t$",
    "with eps = 0, scaling g by c > 0 (and m, v consistently) leaves Adam's update unchanged":
        r"with $\epsilon = 0$, scaling $g$ by $c > 0$ (and $m$, $v$ consistently) leaves Adam's update unchanged",
    "PyTorch (also fused=True, foreach=True) and optax adam (eps_root=0): identical.":
        r"PyTorch (also \texttt{fused=True}, \texttt{foreach=True}) and optax \texttt{adam} "
        r"(\texttt{eps\_root=0}): identical.",
    "Keras Adam uses the 'epsilon hat' form, eps_t = eps / sqrt(1 - b2^t), default eps 1e-7: it differs.":
        r"Keras \texttt{Adam} uses the `epsilon hat' form, $\epsilon_t = \epsilon / \sqrt{1 - \beta_2^t}$, "
        r"default $\epsilon = 10^{-7}$: it differs.",
    "PyTorch Adam(weight_decay>0) adds an L2 term to g; that is not AdamW.":
        r"PyTorch \texttt{Adam(weight\_decay>0)} adds an L2 term to $g$; that is not AdamW.",
    "AdamW with lambda = 0 is Adam": r"AdamW with $\lambda = 0$ is Adam",
    "Adam with an L2 term (g + lambda theta) is not AdamW":
        r"Adam with an L2 term ($g + \lambda \theta$) is not AdamW",
    "AdamW - Adam = -lr lambda theta_{t-1}: the decay acts on the previous parameters":
        r"AdamW $-$ Adam $= -\eta \lambda \theta_{t-1}$: the decay acts on the previous parameters",
    "Adam whose weight decay shrinks theta_{t-1} directly instead of entering the gradient.":
        r"Adam whose weight decay shrinks $\theta_{t-1}$ directly instead of entering the gradient.",
    "PyTorch AdamW (also fused=True, foreach=True) and optax adamw: identical (decay multiplied by lr); "
    "default lambda: PyTorch 1e-2, optax 1e-4.": (
        r"PyTorch \texttt{AdamW} (also \texttt{fused=True}, \texttt{foreach=True}) and optax \texttt{adamw}: "
        r"identical (decay multiplied by $\eta$); default $\lambda$: PyTorch $10^{-2}$, optax $10^{-4}$."),
    "The paper multiplies lambda by the schedule multiplier only, not by lr.":
        r"The paper multiplies $\lambda$ by the schedule multiplier only, not by $\eta$.",
    "NAdam with the Nesterov term replaced by mhat is Adam":
        r"NAdam with the Nesterov term replaced by $\hat{m}_t$ is Adam",
    "the document's NAdam and the t+1 variant differ by exactly c_t: theta_doc = theta_t1 - c_t":
        r"the document's NAdam and the $t+1$ variant differ by exactly $c_t$: "
        r"$\theta^{\text{doc}}_t = \theta^{t+1}_t - c_t$",
    "c_t tends to 0 as t -> oo": r"$c_t$ tends to 0 as $t \to \infty$",
    "No PyTorch setting reproduces this form; NAdam(momentum_decay=inf) and optax nadam use exponent t+1 on "
    "the momentum term (the NAdam-t+1 variant), PyTorch's default adds a momentum schedule.": (
        r"No PyTorch setting reproduces this form; \texttt{NAdam(momentum\_decay=inf)} and optax "
        r"\texttt{nadam} use exponent $t+1$ on the momentum term (the \texttt{nadam\_t1} variant), "
        r"PyTorch's default adds a momentum schedule."),
    "Keras Nadam: mu_t = b1 (1 - 0.5 * 0.96^t), i.e. PyTorch NAdam(momentum_decay=1.0).":
        r"Keras \texttt{Nadam}: $\mu_t = \beta_1 (1 - 0.5 \cdot 0.96^t)$, i.e.\ PyTorch "
        r"\texttt{NAdam(momentum\_decay=1.0)}.",
    "NAdam as optax nadam and PyTorch NAdam(momentum_decay=inf) compute it.":
        r"NAdam as optax \texttt{nadam} and PyTorch \texttt{NAdam(momentum\_decay=inf)} compute it.",
    "Nesterov look-ahead, momentum term corrected with exponent t+1":
        r"Nesterov look-ahead, momentum term corrected with exponent $t+1$",
    "Differs from the document's NAdam by c_t (see the properties).":
        r"Differs from the document's NAdam by $c_t$ (see the properties).",
    "PyTorch's default NAdam: Dozat's Algorithm 2 with the momentum schedule mu_t.":
        r"PyTorch's default NAdam: Dozat's Algorithm 2 with the momentum schedule $\mu_t$.",
    "momentum schedule at t": r"momentum schedule at $t$",
    "momentum schedule at t+1": r"momentum schedule at $t+1$",
    "momentum decay of the schedule mu_t": r"momentum decay of the schedule $\mu_t$",
    "PyTorch NAdam defaults (psi = 4e-3): identical.":
        r"PyTorch \texttt{NAdam} defaults ($\psi = 4 \cdot 10^{-3}$): identical.",
    "Keras Nadam is this variant with psi = 1.": r"Keras \texttt{Nadam} is this variant with $\psi = 1$.",
    "Adamax with b1 = 0 from zero state first moves by -lr g/(|g| + eps), about -lr sign(g)":
        r"Adamax with $\beta_1 = 0$ from zero state first moves by $-\eta g/(|g| + \epsilon)$, about "
        r"$-\eta \operatorname{sign}(g)$",
    "Adamax with b1 = 0 steps by -lr g_t / u_t (no momentum, no bias correction)":
        r"Adamax with $\beta_1 = 0$ steps by $-\eta g_t / u_t$ (no momentum, no bias correction)",
    "Adam with the infinity norm in place of the second moment (no bias correction needed for u).":
        r"Adam with the infinity norm in place of the second moment (no bias correction needed for $u$).",
    "decayed running maximum of |g|": r"decayed running maximum of $|g|$",
    "added to |g| inside the max against division by zero":
        r"added to $|g|$ inside the max against division by zero",
    "PyTorch and optax adamax: identical (eps inside the max).":
        r"PyTorch and optax \texttt{adamax}: identical ($\epsilon$ inside the max).",
    "Keras Adamax adds eps outside: m / (u + eps) with u = max(b2 u, |g|).":
        r"Keras \texttt{Adamax} adds $\epsilon$ outside: $m / (u + \epsilon)$ with $u = \max(\beta_2 u, |g|)$.",
    "AMSGrad's running maximum vmax_t >= vmax_{t-1}, so sqrt(vmax) never decreases":
        r"AMSGrad's running maximum $v^{\max}_t \ge v^{\max}_{t-1}$, so $\sqrt{v^{\max}}$ never decreases",
    "the bias-corrected denominator sqrt(vmax_t/(1-b2^t)) can be smaller than the previous step's, because "
    "the correction 1/(1-b2^t) shrinks": (
        r"the bias-corrected denominator $\sqrt{v^{\max}_t / (1 - \beta_2^t)}$ can be smaller than the "
        r"previous step's, because the correction $1/(1 - \beta_2^t)$ shrinks"),
    "vmax_t >= v_t: AMSGrad's denominator is at least Adam's":
        r"$v^{\max}_t \ge v_t$: AMSGrad's denominator is at least Adam's",
    "AMSGrad keeps three state arrays per parameter (m, v, vmax)":
        r"AMSGrad keeps three state arrays per parameter ($m$, $v$, $v^{\max}$)",
    "Adam whose second moment is replaced by its running maximum, so steps cannot grow from a shrinking v.":
        r"Adam whose second moment is replaced by its running maximum, so steps cannot grow from a "
        r"shrinking $v$.",
    "running maximum of v": r"running maximum of $v$",
    "running maximum of the second moment v": r"running maximum of the second moment $v$",
    "PyTorch amsgrad=True: identical (max of the raw v, current bias correction).":
        r"PyTorch \texttt{amsgrad=True}: identical (max of the raw $v$, current bias correction).",
    "optax scale_by_amsgrad: maximum of the bias-corrected v by default, a different algorithm.":
        r"optax \texttt{scale\_by\_amsgrad}: maximum of the bias-corrected $v$ by default, a different "
        r"algorithm.",
    "Keras amsgrad=True: as PyTorch, with Keras' epsilon-hat Adam.":
        r"Keras \texttt{amsgrad=True}: as PyTorch, with Keras' epsilon-hat Adam.",
    "without weight decay every coordinate of Lion's step has magnitude lr (0 where c = 0)":
        r"without weight decay every coordinate of Lion's step has magnitude $\eta$ (0 where $c_t = 0$)",
    "Lion's weight decay acts on theta_{t-1}, outside the sign":
        r"Lion's weight decay acts on $\theta_{t-1}$, outside the sign",
    "signed step plus decoupled weight decay of theta_{t-1}":
        r"signed step plus decoupled weight decay of $\theta_{t-1}$",
    "optax lion: identical (decoupled decay multiplied by lr).":
        r"optax \texttt{lion}: identical (decoupled decay multiplied by $\eta$).",
    "EvoLved Sign Momentum: every coordinate moves by exactly lr (before weight decay).":
        r"EvoLved Sign Momentum: every coordinate moves by exactly $\eta$ (before weight decay).",
}

KO: dict[str, str] = {
    # ------------------------------------------------------------ headings and sentences
    "spec": "명세",
    "Contents": "차례",
    "Optimizer equation sheets": "최적화 알고리즘 수식 시트",
    "booklet introduction": (
        r"최적화 알고리즘마다 한 장씩, 생성된 커널과 같은 SymPy 수식으로 조판한 시트입니다. 각 시트에는 "
        r"차례대로 계산하는 업데이트 수식, 하이퍼파라미터와 상태, 증명기가 검사한 모든 성질의 판정, "
        r"PyTorch$\cdot$optax$\cdot$Keras와의 차이, 같은 계산을 하는 \texttt{torch.optim} 호출이 있습니다."),
    "Update equations": "업데이트 수식",
    "sequential semantics": (
        r"위에서 아래로 차례대로 계산합니다. 첨자 $t-1$은 업데이트 전의 값, $t$는 업데이트 후의 값입니다. "
        r"$t = 1, 2, \dots$는 현재까지의 업데이트 횟수이며, 모든 상태는 초깃값에서 시작합니다."),
    "gradient at the current parameters": "현재 파라미터 위치에서의 그래디언트",
    "gradient at the look-ahead point": "미리 보기 위치에서의 그래디언트",
    "gradient at the stored variable": "저장된 변수(미리 보기 위치)에서의 그래디언트",
    "Written out where it is used": "사용되는 곳에 풀어 쓴 식",
    "Change of variables": "변수 변환",
    "change of variables introduction": (
        r"그래디언트는 미리 보기 위치에서 계산합니다. 파라미터 대신 그 위치를 저장하면, 저장된 변수에서의 "
        r"그래디언트만 필요한 형태가 됩니다:"),
    "derived form explanation": (
        r"위의 수식에서 도구가 유도한 형태입니다 (\texttt{stored\_gradient\_form()}). 커널은 이 형태를 "
        r"구현하므로 커널이 업데이트하는 배열에는 저장된 변수가 들어 있으며, 아래의 성질이 두 형태가 "
        r"같음을 증명합니다."),
    "Hyperparameters": "하이퍼파라미터",
    "No hyperparameters.": "하이퍼파라미터가 없습니다.",
    "Symbol": "기호",
    "Name": "이름",
    "Meaning": "의미",
    "Default": "기본값",
    "Domain": "범위",
    "State": "상태",
    "Initial value": "초깃값",
    "Kind": "종류",
    "PyTorch state key": "PyTorch 상태 키",
    "array": "배열",
    "scalar": "스칼라",
    "State arrays per parameter": "파라미터당 상태 배열 수",
    "Properties": "성질",
    "No property involves this optimizer.": "이 최적화 알고리즘에 관한 성질은 없습니다.",
    "proved": "증명됨",
    "refuted": "반증됨",
    "undecided": "미결정",
    "refuted, as declared": "반증됨 (선언대로)",
    "declared": "선언된 판정",
    "A point at which the two sides differ (exact values the prover drew from the declared domains)": (
        "양변이 서로 다른 점 (증명기가 선언된 정의역에서 뽑은 정확한 값)"),
    "The difference there, left side minus right side": "그 점에서의 차이 (좌변 빼기 우변)",
    "The difference at any point, which the property states is zero": "임의의 점에서의 차이 (성질은 이것이 0이라고 말합니다)",
    "A point at which the expression is negative (exact values the prover drew from the declared domains)": (
        "식의 값이 음수인 점 (증명기가 선언된 정의역에서 뽑은 정확한 값)"),
    "Its value there": "그 점에서의 값",
    "The expression, which the property states is nonnegative": "식 (성질은 이것이 0 이상이라고 말합니다)",
    "the source document": (
        r"여기서 \emph{문서}는 optforge 내장 명세의 출처인, 경사 하강 최적화 알고리즘에 관한 한국어 글을 "
        r"말합니다. 그 수식과 기본값, 주장은 저장소의 \texttt{docs/algorithms.md}에 다시 정리되어 있습니다."),
    "It matches to rounding when torch's default dtype is float64 (torch.set_default_dtype(torch.float64)); "
    "otherwise torch keeps its running product mu_product in float32.": (
        r"torch의 기본 dtype이 float64일 때(\texttt{torch.set\_default\_dtype(torch.float64)}) 반올림 오차 "
        r"범위에서 같습니다. 그렇지 않으면 torch는 누적 곱 \texttt{mu\_product}를 float32로 저장합니다."),
    "How PyTorch, optax and Keras differ": "PyTorch, optax, Keras와의 차이",
    "No notes.": "차이에 대한 설명이 없습니다.",
    "The matching torch.optim call": "같은 계산을 하는 torch.optim 호출",
    "No torch.optim call reproduces this spec exactly.": "이 명세를 정확히 재현하는 torch.optim 호출은 없습니다.",
    # ------------------------------------------------------------ SGD
    "SGD": "SGD",
    "Plain gradient descent.": "기본 경사 하강법입니다.",
    "descend along the gradient": "그래디언트 방향으로 내려감",
    "learning rate (step size)": "학습률 (스텝 크기)",
    "PyTorch, optax and Keras: identical.": "PyTorch, optax, Keras: 동일합니다.",
    "SGD's update is not multiplied by c when theta is rescaled by c":
        r"$\theta$를 $c$배 해도 SGD의 업데이트는 $c$배가 되지 않습니다",
    # ------------------------------------------------------------ Momentum
    "Momentum": "Momentum",
    "Gradient descent with a velocity term; the gradient is taken at the current parameters.":
        "속도 벡터를 쓰는 경사 하강법으로, 그래디언트는 현재 파라미터 위치에서 계산합니다.",
    "velocity: decayed history plus the scaled gradient":
        "속도 벡터 업데이트: 감쇠된 과거 움직임에 학습률을 곱한 그래디언트를 더함",
    "move against the velocity": "속도 벡터의 반대 방향으로 파라미터 업데이트",
    "momentum coefficient (decay of the velocity)": "모멘텀 계수 (속도 벡터의 감쇠)",
    "velocity (includes the learning rate)": "속도 벡터 (학습률 포함)",
    "PyTorch and optax keep the learning rate outside the buffer: v = lr * momentum_buffer (theta identical "
    "for a constant lr; not under a learning-rate schedule).": (
        r"PyTorch와 optax는 학습률을 버퍼 밖에 둡니다: $v = \eta \cdot{}$\texttt{momentum\_buffer} "
        r"(학습률이 일정하면 $\theta$는 동일하지만, 학습률 스케줄에서는 다릅니다)."),
    "Keras SGD(momentum) is this form with v = -m.":
        r"Keras \texttt{SGD(momentum)}은 $v = -m$으로 둔 이 형태입니다.",
    "Momentum with mu = 0 is SGD": r"$\mu = 0$인 Momentum은 SGD입니다",
    "Momentum keeps one state array per parameter": "Momentum은 파라미터마다 상태 배열 하나를 유지합니다",
    # ------------------------------------------------------------ NAG
    "NAG": "NAG",
    "Momentum whose gradient is evaluated at the look-ahead point theta - mu v.":
        r"그래디언트를 미리 보기 위치 $\theta - \mu v$에서 계산하는 Momentum입니다.",
    "velocity, with the gradient taken at the look-ahead point":
        "미리 보기 위치에서 계산한 그래디언트로 속도 벡터 업데이트",
    "PyTorch, optax and Keras store the look-ahead point: their parameter is phi = theta - mu v, with "
    "v = lr * momentum_buffer (PyTorch, optax).": (
        r"PyTorch, optax, Keras는 미리 보기 위치를 저장합니다: 이들의 파라미터는 $\phi = \theta - \mu v$이고, "
        r"$v = \eta \cdot{}$\texttt{momentum\_buffer}입니다 (PyTorch, optax)."),
    "NAG (stored-gradient form)": "NAG (저장된 변수에서 그래디언트를 계산하는 형태)",
    "look-ahead point theta - mu v": r"미리 보기 위치 $\theta - \mu v$",
    "look-ahead point theta - mu v: the stored variable after the step, gradient taken there":
        r"미리 보기 위치 $\theta - \mu v$: 업데이트 후 저장되는 변수이며, 그래디언트를 여기서 계산합니다",
    "velocity (includes the learning rate), in the stored variables": "바뀐 변수로 쓴 속도 벡터 (학습률 포함)",
    "NAG with the gradient taken at theta is Momentum": r"그래디언트를 $\theta$에서 계산하는 NAG는 Momentum입니다",
    "the look-ahead matters: NAG is not Momentum": "미리 보기가 차이를 만듭니다: NAG는 Momentum이 아닙니다",
    "NAG's look-ahead form equals its derived form under phi = theta - mu v":
        r"$\phi = \theta - \mu v$로 변수를 바꾸면 NAG의 미리 보기 형태와 유도된 형태는 같습니다",
    "NAG keeps one state array per parameter": "NAG는 파라미터마다 상태 배열 하나를 유지합니다",
    # ------------------------------------------------------------ Adagrad
    "Adagrad": "Adagrad",
    "Per-coordinate step sizes shrinking with the accumulated squared gradients.":
        "좌표마다의 스텝 크기가 누적된 그래디언트 제곱과 함께 줄어듭니다.",
    "accumulate the squared gradient": "그래디언트 제곱을 누적",
    "scaled step": "좌표별로 크기를 조정한 파라미터 업데이트",
    "per-coordinate scale, eps outside the square root": r"좌표별 스케일, $\epsilon$은 제곱근 밖",
    "added to the denominator against division by zero": "0으로 나누는 것을 방지하기 위해 분모에 더하는 작은 상수",
    "sum of all past squared gradients": "모든 과거 그래디언트 제곱의 합",
    "PyTorch: identical (eps outside the square root, accumulator starts at 0).":
        r"PyTorch: 동일합니다 ($\epsilon$은 제곱근 밖, 누적값은 0에서 시작).",
    "optax and Keras: eps inside the square root (the Adagrad-eps-in-sqrt variant), accumulator starts at 0.1, "
    "eps 1e-7.": (
        r"optax와 Keras: $\epsilon$이 제곱근 안에 있고(\texttt{adagrad\_eps\_in\_sqrt} 변형), 누적값은 0.1에서 "
        r"시작하며 $\epsilon = 10^{-7}$입니다."),
    "with a constant gradient, Adagrad's step tends to 0 as t -> oo":
        r"그래디언트가 일정하면 $t \to \infty$일 때 Adagrad의 스텝은 0으로 갑니다",
    "AdaGrad keeps one state array per parameter": "AdaGrad는 파라미터마다 상태 배열 하나를 유지합니다",
    "Adagrad (eps inside the square root)": "Adagrad (eps를 제곱근 안에)",
    "AdaGrad with eps inside the square root, as optax and Keras place it.":
        r"optax와 Keras처럼 $\epsilon$을 제곱근 안에 둔 AdaGrad입니다.",
    "per-coordinate scale, eps inside the square root": r"좌표별 스케일, $\epsilon$은 제곱근 안",
    "optax adagrad and Keras Adagrad place eps here (their accumulator starts at 0.1).":
        r"optax \texttt{adagrad}와 Keras \texttt{Adagrad}는 $\epsilon$을 여기에 둡니다 (누적값은 0.1에서 시작).",
    # ------------------------------------------------------------ Adadelta
    "Adadelta": "Adadelta",
    "Adadelta (Zeiler 2012): an EMA of squared gradients and of squared updates; no learning rate.":
        "Adadelta (Zeiler 2012): 그래디언트 제곱과 업데이트 제곱의 지수 이동 평균(EMA)을 사용하며, "
        "학습률이 없습니다.",
    "average of squared gradients": "그래디언트 제곱의 지수 이동 평균",
    "update: RMS of past updates over RMS of gradients, times the gradient":
        "파라미터 업데이트: 이전 업데이트의 RMS를 그래디언트의 RMS로 나누고 그래디언트를 곱함",
    "average of squared updates": "업데이트 제곱의 지수 이동 평균",
    "apply the update": "업데이트 적용",
    "decay rate of both moving averages": "두 이동 평균의 감쇠율",
    "added inside both square roots (conditioning, and the first steps' size)":
        "두 제곱근 안에 더하는 작은 상수 (수치 안정성과 첫 스텝들의 크기)",
    "moving average of squared gradients": "그래디언트 제곱의 이동 평균",
    "moving average of squared updates": "파라미터 업데이트 제곱의 이동 평균 (제곱 평균)",
    "PyTorch: identical with lr=1.0 (its default) and rho passed explicitly (its default is 0.9).":
        r"PyTorch: \texttt{lr=1.0}(기본값)이고 \texttt{rho}를 명시적으로 주면 동일합니다 (\texttt{rho}의 "
        r"기본값은 0.9).",
    "optax: adadelta(learning_rate=1.0, rho=0.95) is identical; the default learning_rate=None performs "
    "gradient ascent.": (
        r"optax: \texttt{adadelta(learning\_rate=1.0, rho=0.95)}는 동일합니다. 기본값 "
        r"\texttt{learning\_rate=None}은 경사 상승을 합니다."),
    "Keras: Adadelta(learning_rate=1.0, rho=0.95, epsilon=1e-6) is identical; its defaults are not.":
        r"Keras: \texttt{Adadelta(learning\_rate=1.0, rho=0.95, epsilon=1e-6)}는 동일하지만, 기본값으로는 "
        r"다릅니다.",
    "All three accumulate the unscaled update, so lr != 1 is not a scaled Adadelta.":
        r"세 프레임워크 모두 학습률을 곱하기 전의 업데이트를 누적하므로, $\eta \ne 1$은 Adadelta의 업데이트를 "
        r"단순히 배율한 것이 아닙니다.",
    "with a constant gradient g, E[g^2] = E[dtheta^2] = g^2 is a fixed point whose step is -g (not 0)":
        r"그래디언트 $g$가 일정하면 $E[g^2] = E[\Delta\theta^2] = g^2$는 고정점이며, 그 스텝은 0이 아닌 "
        r"$-g$입니다",
    "rescaling theta by c (g by 1/c, E[g^2] by 1/c^2, E[dtheta^2] by c^2, eps = 0) multiplies Adadelta's "
    "update by c": (
        r"$\theta$를 $c$배 하면($g$는 $1/c$배, $E[g^2]$는 $1/c^2$배, $E[\Delta\theta^2]$는 $c^2$배, "
        r"$\epsilon = 0$) Adadelta의 업데이트도 $c$배가 됩니다"),
    "Adadelta keeps two state arrays per parameter (AdaGrad one)":
        "Adadelta는 파라미터마다 상태 배열 두 개를 유지합니다 (AdaGrad는 하나)",
    # ------------------------------------------------------------ RMSprop
    "RMSprop": "RMSprop",
    "Gradient scaled by the root of a moving average of squared gradients (Hinton's lecture 6e).":
        "그래디언트 제곱의 이동 평균의 제곱근으로 그래디언트를 나눕니다 (Hinton의 강의 6e).",
    "RMS of the gradients, eps outside the square root": r"그래디언트의 RMS, $\epsilon$은 제곱근 밖",
    "decay rate of the squared-gradient average": "그래디언트 제곱 평균의 감쇠율",
    "PyTorch: identical.": "PyTorch: 동일합니다.",
    "optax rmsprop and Keras RMSprop put eps inside the square root; defaults 0.9 and eps 1e-7.":
        r"optax \texttt{rmsprop}과 Keras \texttt{RMSprop}은 $\epsilon$을 제곱근 안에 두며, 기본값은 0.9와 "
        r"$\epsilon = 10^{-7}$입니다.",
    "Adam with b1 = 0 is RMSprop (alpha = b2) with a bias-corrected v":
        r"$\beta_1 = 0$인 Adam은 $v$를 편향 보정한 RMSprop ($\alpha = \beta_2$)입니다",
    "Adam with b1 = 0 minus RMSprop (alpha = b2) is exactly lr g/(sqrt(v_t)+eps) - lr g/(sqrt(vhat_t)+eps)": (
        r"$\beta_1 = 0$인 Adam에서 RMSprop ($\alpha = \beta_2$)을 뺀 차이는 정확히 "
        r"$\eta g_t/(\sqrt{v_t} + \epsilon) - \eta g_t/(\sqrt{\hat{v}_t} + \epsilon)$입니다"),
    "RMSprop keeps one state array per parameter": "RMSprop은 파라미터마다 상태 배열 하나를 유지합니다",
    # ------------------------------------------------------------ Adam
    "Adam": "Adam",
    "Adaptive per-coordinate steps from bias-corrected moment averages, with momentum.":
        "편향 보정된 모멘트 추정값으로 좌표마다 적응적 학습률을 쓰고, 모멘텀을 결합합니다.",
    "first-moment average": "1차 모멘트 업데이트",
    "second-moment average": "2차 모멘트 업데이트",
    "bias correction of the first moment": "1차 모멘트의 편향 보정 계수",
    "bias correction of the second moment": "2차 모멘트의 편향 보정 계수",
    "bias-corrected first moment": "편향이 보정된 1차 모멘트 추정값",
    "bias-corrected second moment": "편향이 보정된 2차 모멘트 추정값",
    "adaptive step": "적응적 학습률로 파라미터 업데이트",
    "decay rate of the first-moment average": "1차 모멘트 추정을 위한 감쇠율",
    "decay rate of the second-moment average": "2차 모멘트 추정을 위한 감쇠율",
    "first moment: moving average of gradients": "1차 모멘트: 그래디언트의 이동 평균",
    "second moment: moving average of squared gradients": "2차 모멘트: 그래디언트 제곱의 이동 평균",
    "PyTorch (also fused=True, foreach=True) and optax adam (eps_root=0): identical.":
        r"PyTorch (\texttt{fused=True}, \texttt{foreach=True}도 포함)와 optax \texttt{adam} "
        r"(\texttt{eps\_root=0}): 동일합니다.",
    "Keras Adam uses the 'epsilon hat' form, eps_t = eps / sqrt(1 - b2^t), default eps 1e-7: it differs.":
        r"Keras \texttt{Adam}은 `epsilon hat' 형태 $\epsilon_t = \epsilon / \sqrt{1 - \beta_2^t}$를 쓰고 "
        r"기본값이 $\epsilon = 10^{-7}$이므로 다릅니다.",
    "PyTorch Adam(weight_decay>0) adds an L2 term to g; that is not AdamW.":
        r"PyTorch \texttt{Adam(weight\_decay>0)}은 $g$에 L2 항을 더합니다. 이는 AdamW가 아닙니다.",
    "from zero state with a constant gradient g, mhat_t = g and vhat_t = g^2 for every t":
        r"0인 상태에서 그래디언트 $g$가 일정하면 모든 $t$에서 $\hat{m}_t = g$, $\hat{v}_t = g^2$입니다",
    "with eps = 0, scaling g by c > 0 (and m, v consistently) leaves Adam's update unchanged":
        r"$\epsilon = 0$이면 $g$를 $c > 0$배 해도 ($m$, $v$도 그에 맞게) Adam의 업데이트는 변하지 않습니다",
    "Adam keeps two state arrays per parameter": "Adam은 파라미터마다 상태 배열 두 개를 유지합니다",
    # ------------------------------------------------------------ AdamW
    "AdamW": "AdamW",
    "Adam whose weight decay shrinks theta_{t-1} directly instead of entering the gradient.":
        r"가중치 감쇠가 그래디언트에 들어가지 않고 $\theta_{t-1}$을 직접 줄이는 Adam입니다.",
    "adaptive step plus decay of the previous parameters": "적응적 파라미터 업데이트와 이전 파라미터의 가중치 감쇠",
    "weight decay coefficient": "가중치 감쇠 계수",
    "PyTorch AdamW (also fused=True, foreach=True) and optax adamw: identical (decay multiplied by lr); "
    "default lambda: PyTorch 1e-2, optax 1e-4.": (
        r"PyTorch \texttt{AdamW} (\texttt{fused=True}, \texttt{foreach=True}도 포함)와 optax \texttt{adamw}: "
        r"동일합니다 (감쇠에 $\eta$를 곱함). $\lambda$의 기본값: PyTorch $10^{-2}$, optax $10^{-4}$."),
    "Keras AdamW: the same decoupled decay, but Keras' epsilon-hat Adam, so it differs.":
        r"Keras \texttt{AdamW}: 같은 분리된 가중치 감쇠이지만 Keras의 epsilon-hat Adam을 쓰므로 다릅니다.",
    "The paper multiplies lambda by the schedule multiplier only, not by lr.":
        r"논문은 $\lambda$에 $\eta$가 아니라 스케줄 배수만 곱합니다.",
    "AdamW with lambda = 0 is Adam": r"$\lambda = 0$인 AdamW는 Adam입니다",
    "Adam with an L2 term (g + lambda theta) is not AdamW": r"L2 항을 더한 Adam ($g + \lambda \theta$)은 AdamW가 아닙니다",
    "AdamW - Adam = -lr lambda theta_{t-1}: the decay acts on the previous parameters":
        r"AdamW $-$ Adam $= -\eta \lambda \theta_{t-1}$: 가중치 감쇠는 이전 파라미터에 작용합니다",
    "AdamW keeps two state arrays per parameter, as Adam":
        "AdamW는 Adam과 같이 파라미터마다 상태 배열 두 개를 유지합니다",
    # ------------------------------------------------------------ NAdam
    "NAdam": "NAdam",
    "The document's NAdam: Adam whose first moment looks one step ahead.":
        "문서의 NAdam: 1차 모멘트가 한 스텝 앞을 미리 보는 Adam입니다.",
    "Nesterov look-ahead of the first moment": "1차 모멘트의 Nesterov 미리 보기 (룩어헤드 항 포함)",
    "adaptive Nesterov step": "Nesterov 모멘텀 적용 및 파라미터 업데이트",
    "No PyTorch setting reproduces this form; NAdam(momentum_decay=inf) and optax nadam use exponent t+1 on "
    "the momentum term (the NAdam-t+1 variant), PyTorch's default adds a momentum schedule.": (
        r"이 형태를 재현하는 PyTorch 설정은 없습니다. \texttt{NAdam(momentum\_decay=inf)}와 optax "
        r"\texttt{nadam}은 모멘텀 항에 지수 $t+1$을 쓰고(\texttt{nadam\_t1} 변형), PyTorch의 기본값은 "
        r"모멘텀 스케줄을 더합니다."),
    "Keras Nadam: mu_t = b1 (1 - 0.5 * 0.96^t), i.e. PyTorch NAdam(momentum_decay=1.0).":
        r"Keras \texttt{Nadam}: $\mu_t = \beta_1 (1 - 0.5 \cdot 0.96^t)$, 즉 PyTorch "
        r"\texttt{NAdam(momentum\_decay=1.0)}입니다.",
    "NAdam with the Nesterov term replaced by mhat is Adam": r"Nesterov 항을 $\hat{m}_t$로 바꾼 NAdam은 Adam입니다",
    "the document's NAdam and the t+1 variant differ by exactly c_t: theta_doc = theta_t1 - c_t":
        r"문서의 NAdam과 $t+1$ 변형은 정확히 $c_t$만큼 다릅니다: $\theta^{\text{doc}}_t = \theta^{t+1}_t - c_t$",
    "c_t tends to 0 as t -> oo": r"$t \to \infty$일 때 $c_t$는 0으로 갑니다",
    "NAdam keeps two state arrays per parameter": "NAdam은 파라미터마다 상태 배열 두 개를 유지합니다",
    "NAdam (exponent t+1)": "NAdam (지수 t+1)",
    "NAdam as optax nadam and PyTorch NAdam(momentum_decay=inf) compute it.":
        r"optax \texttt{nadam}과 PyTorch \texttt{NAdam(momentum\_decay=inf)}가 계산하는 NAdam입니다.",
    "Nesterov look-ahead, momentum term corrected with exponent t+1":
        r"Nesterov 미리 보기, 모멘텀 항은 지수 $t+1$로 편향 보정",
    "optax nadam: identical.": r"optax \texttt{nadam}: 동일합니다.",
    "Differs from the document's NAdam by c_t (see the properties).":
        r"문서의 NAdam과 $c_t$만큼 다릅니다 (성질 참조).",
    "NAdam (momentum schedule)": "NAdam (모멘텀 스케줄)",
    "PyTorch's default NAdam: Dozat's Algorithm 2 with the momentum schedule mu_t.":
        r"PyTorch의 기본 NAdam: 모멘텀 스케줄 $\mu_t$를 쓰는 Dozat의 Algorithm 2입니다.",
    "momentum schedule at t": r"$t$에서의 모멘텀 스케줄",
    "momentum schedule at t+1": r"$t+1$에서의 모멘텀 스케줄",
    "running product of the schedule": "스케줄의 누적 곱",
    "Nesterov look-ahead with the scheduled momentum": "스케줄된 모멘텀으로 Nesterov 미리 보기",
    "momentum decay of the schedule mu_t": r"스케줄 $\mu_t$의 모멘텀 감쇠",
    "running product of the momentum schedule": "모멘텀 스케줄의 누적 곱",
    "PyTorch NAdam defaults (psi = 4e-3): identical.":
        r"PyTorch \texttt{NAdam} 기본값 ($\psi = 4 \cdot 10^{-3}$): 동일합니다.",
    "Keras Nadam is this variant with psi = 1.": r"Keras \texttt{Nadam}은 $\psi = 1$인 이 변형입니다.",
    # ------------------------------------------------------------ Adamax
    "Adamax": "Adamax",
    "Adam with the infinity norm in place of the second moment (no bias correction needed for u).":
        r"2차 모멘트 대신 무한 노름을 쓰는 Adam입니다 ($u$에는 편향 보정이 필요 없습니다).",
    "decayed running maximum of |g|": r"$|g|$의 감쇠된 누적 최댓값",
    "bias-corrected step scaled by the max norm": "최대 노름으로 나눈 편향 보정된 파라미터 업데이트",
    "decay rate of the infinity-norm average": "무한 노름 평균의 감쇠율",
    "added to |g| inside the max against division by zero":
        r"0으로 나누는 것을 방지하기 위해 max 안에서 $|g|$에 더하는 작은 상수",
    "exponentially weighted infinity norm of the gradients": "그래디언트의 지수 가중 무한 노름",
    "PyTorch and optax adamax: identical (eps inside the max).":
        r"PyTorch와 optax \texttt{adamax}: 동일합니다 ($\epsilon$은 max 안).",
    "Keras Adamax adds eps outside: m / (u + eps) with u = max(b2 u, |g|).":
        r"Keras \texttt{Adamax}는 $\epsilon$을 밖에 더합니다: $u = \max(\beta_2 u, |g|)$로 두고 $m / (u + \epsilon)$.",
    "Adamax with b1 = 0 from zero state first moves by -lr g/(|g| + eps), about -lr sign(g)":
        r"$\beta_1 = 0$인 Adamax는 0인 상태에서 처음에 $-\eta g/(|g| + \epsilon)$, 대략 "
        r"$-\eta \operatorname{sign}(g)$만큼 움직입니다",
    "Adamax with b1 = 0 steps by -lr g_t / u_t (no momentum, no bias correction)":
        r"$\beta_1 = 0$인 Adamax의 스텝은 $-\eta g_t / u_t$입니다 (모멘텀도 편향 보정도 없음)",
    "Adamax keeps two state arrays per parameter": "Adamax는 파라미터마다 상태 배열 두 개를 유지합니다",
    # ------------------------------------------------------------ AMSGrad
    "Adam (AMSGrad)": "Adam (AMSGrad)",
    "AdamW (AMSGrad)": "AdamW (AMSGrad)",
    "Adam whose second moment is replaced by its running maximum, so steps cannot grow from a shrinking v.":
        r"2차 모멘트를 그 누적 최댓값으로 바꾼 Adam으로, $v$가 줄어도 스텝이 커지지 않습니다.",
    "AdamW with the AMSGrad running maximum of the second moment.":
        "2차 모멘트에 AMSGrad의 누적 최댓값을 쓰는 AdamW입니다.",
    "running maximum of v": r"$v$의 누적 최댓값",
    "bias-corrected maximum": "편향이 보정된 최댓값",
    "running maximum of the second moment v": r"2차 모멘트 $v$의 누적 최댓값",
    "PyTorch amsgrad=True: identical (max of the raw v, current bias correction).":
        r"PyTorch \texttt{amsgrad=True}: 동일합니다 (보정 전 $v$의 최댓값, 현재 스텝의 편향 보정).",
    "optax scale_by_amsgrad: maximum of the bias-corrected v by default, a different algorithm.":
        r"optax \texttt{scale\_by\_amsgrad}: 기본값으로 편향 보정된 $v$의 최댓값을 쓰므로 다른 알고리즘입니다.",
    "Keras amsgrad=True: as PyTorch, with Keras' epsilon-hat Adam.":
        r"Keras \texttt{amsgrad=True}: PyTorch와 같지만 Keras의 epsilon-hat Adam을 씁니다.",
    "AMSGrad's running maximum vmax_t >= vmax_{t-1}, so sqrt(vmax) never decreases":
        r"AMSGrad의 누적 최댓값은 $v^{\max}_t \ge v^{\max}_{t-1}$이므로 $\sqrt{v^{\max}}$는 줄어들지 않습니다",
    "the bias-corrected denominator sqrt(vmax_t/(1-b2^t)) can be smaller than the previous step's, because "
    "the correction 1/(1-b2^t) shrinks": (
        r"편향 보정 계수 $1/(1 - \beta_2^t)$가 줄어들기 때문에, 편향 보정된 분모 "
        r"$\sqrt{v^{\max}_t / (1 - \beta_2^t)}$는 이전 스텝의 값보다 작을 수 있습니다"),
    "vmax_t >= v_t: AMSGrad's denominator is at least Adam's":
        r"$v^{\max}_t \ge v_t$: AMSGrad의 분모는 Adam의 분모 이상입니다",
    "AMSGrad keeps three state arrays per parameter (m, v, vmax)":
        r"AMSGrad는 파라미터마다 상태 배열 세 개를 유지합니다 ($m$, $v$, $v^{\max}$)",
    # ------------------------------------------------------------ Lion
    "Lion": "Lion",
    "EvoLved Sign Momentum: every coordinate moves by exactly lr (before weight decay).":
        r"EvoLved Sign Momentum: 가중치 감쇠 전에는 모든 좌표가 정확히 $\eta$만큼 움직입니다.",
    "interpolation of momentum and gradient": "모멘텀과 그래디언트의 보간",
    "signed step plus decoupled weight decay of theta_{t-1}": r"부호 스텝과 $\theta_{t-1}$의 분리된 가중치 감쇠",
    "momentum, updated after the step": "모멘텀, 스텝 후에 업데이트",
    "interpolation weight of the momentum in the update direction": "업데이트 방향에서 모멘텀의 보간 가중치",
    "decay rate of the momentum": "모멘텀의 감쇠율",
    "momentum: moving average of gradients": "모멘텀: 그래디언트의 이동 평균",
    "PyTorch 2.13 has no Lion.": "PyTorch 2.13에는 Lion이 없습니다.",
    "optax lion: identical (decoupled decay multiplied by lr).":
        r"optax \texttt{lion}: 동일합니다 (분리된 가중치 감쇠에 $\eta$를 곱함).",
    "without weight decay every coordinate of Lion's step has magnitude lr (0 where c = 0)":
        r"가중치 감쇠가 없으면 Lion의 스텝은 모든 좌표에서 크기가 $\eta$입니다 ($c_t = 0$인 곳에서는 0)",
    "Lion's weight decay acts on theta_{t-1}, outside the sign":
        r"Lion의 가중치 감쇠는 sign 밖에서 $\theta_{t-1}$에 작용합니다",
    "Lion keeps one state array per parameter": "Lion은 파라미터마다 상태 배열 하나를 유지합니다",
}

# ---------------------------------------------------------------- torch.optim's options (specs/torch_options.py)
KO.update({
    "Heavy-ball SGD (torch.optim form)": "헤비볼 SGD (torch.optim 형태)",
    "Nesterov SGD (torch.optim form)": "Nesterov SGD (torch.optim 형태)",
    "Heavy-ball momentum as torch.optim.SGD computes it: the learning rate scales the buffer at each step.":
        "torch.optim.SGD가 계산하는 헤비볼 모멘텀입니다: 매 스텝 학습률이 버퍼 전체에 곱해집니다.",
    "Nesterov momentum as torch.optim.SGD(nesterov=True) computes it: the parameters are the look-ahead point "
    "and the learning rate scales the step.":
        r"\texttt{torch.optim.SGD(nesterov=True)}가 계산하는 Nesterov 모멘텀입니다: 파라미터는 미리 보기 위치이고, "
        "학습률이 스텝에 곱해집니다.",
    "momentum buffer (without the learning rate)": "모멘텀 버퍼 (학습률을 포함하지 않음)",
    "momentum buffer: decayed history plus the gradient": "모멘텀 버퍼: 감쇠된 이력에 그래디언트를 더함",
    "step along the buffer": "버퍼 방향으로 스텝",
    "Nesterov step: the gradient plus the decayed new buffer": "Nesterov 스텝: 그래디언트에 감쇠된 새 버퍼를 더함",
    "PyTorch SGD(momentum) with dampening 0: identical, under a learning-rate schedule too; its first buffer is "
    "the gradient itself, as mu 0 + g is here.":
        r"PyTorch \texttt{SGD(momentum)} (dampening 0): 학습률 스케줄에서도 동일합니다. 첫 버퍼는 그래디언트 "
        r"자체이며, 여기서도 $\mu \cdot 0 + g$입니다.",
    "PyTorch SGD(momentum, nesterov=True) with dampening 0: identical, under a learning-rate schedule too.":
        r"PyTorch \texttt{SGD(momentum, nesterov=True)} (dampening 0): 학습률 스케줄에서도 동일합니다.",
    "with v = lr buf (at an unchanged lr), one step of torch's form is one step of the document's Momentum; "
    "optforge.torch.Momentum's checkpoints convert by it":
        r"$v = \eta b$로 두면 (학습률이 바뀌지 않는 동안) torch 형태의 한 스텝은 문서의 Momentum 한 스텝과 같습니다. "
        r"optforge.torch.Momentum의 체크포인트는 이 변수 변환으로 바뀝니다",
    "with v = lr buf (at an unchanged lr), one step of torch's Nesterov form is one step of the document's NAG "
    "in its stored form; optforge.torch.NAG's checkpoints convert by it":
        r"$v = \eta b$로 두면 (학습률이 바뀌지 않는 동안) torch의 Nesterov 형태의 한 스텝은 저장된 변수 형태로 쓴 "
        r"문서의 NAG 한 스텝과 같습니다. optforge.torch.NAG의 체크포인트는 이 변수 변환으로 바뀝니다",
    "torch's momentum form with mu = 0 is SGD": r"$\mu = 0$인 torch의 모멘텀 형태는 SGD입니다",
    "torch's momentum form keeps one state array per parameter": "torch의 모멘텀 형태는 파라미터마다 상태 배열 하나를 유지합니다",
    "The base optimizer with torch.optim's gradient options as runtime hyperparameters: the sign of the gradient "
    "(maximize) and L2 weight decay added to it.":
        "기본 알고리즘에 torch.optim의 그래디언트 옵션을 실행 시간 하이퍼파라미터로 더한 것입니다: 그래디언트의 "
        "부호(maximize)와 그래디언트에 더하는 L2 가중치 감쇠.",
    "the gradient times the sign (-1: maximize)": "그래디언트에 부호를 곱함 (-1: maximize)",
    "the gradient plus the L2 term": "그래디언트에 L2 항을 더함",
    "L2 weight decay: wd * theta is added to the gradient": r"L2 가중치 감쇠: 그래디언트에 $\lambda_2 \theta$를 더함",
    "sign of the gradient: 1 descends, -1 ascends (maximize)": "그래디언트의 부호: 1은 내려가고, -1은 올라감 (maximize)",
    "with weight_decay = 0, one step is the base optimizer's step":
        r"\texttt{weight\_decay} $= 0$이면 한 스텝은 기본 알고리즘의 스텝과 같습니다",
    "with sign 1 (minimise), one step is the base optimizer's step":
        "부호가 1이면 (최소화) 한 스텝은 기본 알고리즘의 스텝과 같습니다",
    "with sign -1 (maximize), one step is the base optimizer's step on -f, whose gradient is -g":
        r"부호가 $-1$이면 (maximize) 한 스텝은 그래디언트가 $-g$인 $-f$에 대한 기본 알고리즘의 스텝과 같습니다",
    "with sign 1 and weight_decay = 0, one step is the base optimizer's step":
        r"부호가 1이고 \texttt{weight\_decay} $= 0$이면 한 스텝은 기본 알고리즘의 스텝과 같습니다",
})
EN.update({
    "with v = lr buf (at an unchanged lr), one step of torch's form is one step of the document's Momentum; "
    "optforge.torch.Momentum's checkpoints convert by it":
        r"with $v = \eta b$ (at an unchanged lr), one step of torch's form is one step of the document's Momentum; "
        r"optforge.torch.Momentum's checkpoints convert by it",
    "with v = lr buf (at an unchanged lr), one step of torch's Nesterov form is one step of the document's NAG "
    "in its stored form; optforge.torch.NAG's checkpoints convert by it":
        r"with $v = \eta b$ (at an unchanged lr), one step of torch's Nesterov form is one step of the document's "
        r"NAG in its stored form; optforge.torch.NAG's checkpoints convert by it",
    "torch's momentum form with mu = 0 is SGD": r"torch's momentum form with $\mu = 0$ is SGD",
    "L2 weight decay: wd * theta is added to the gradient": r"L2 weight decay: $\lambda_2 \theta$ is added to the gradient",
    "with sign -1 (maximize), one step is the base optimizer's step on -f, whose gradient is -g":
        r"with sign $-1$ (maximize), one step is the base optimizer's step on $-f$, whose gradient is $-g$",
})

KO.update({
    "Adadelta with lr = 1 is the document's Adadelta": r"$\eta = 1$인 Adadelta는 문서의 Adadelta입니다",
    "with lr != 1 it is not the document's Adadelta: the averages see the unscaled update":
        r"$\eta \ne 1$이면 문서의 Adadelta가 아닙니다: 이동 평균은 배율을 곱하지 않은 업데이트를 봅니다",
    "centred RMSprop with the mean held at 0 is RMSprop": "평균을 0으로 고정한 중심화 RMSprop은 RMSprop입니다",
    "RMSprop with momentum 0 is RMSprop": "모멘텀이 0인 RMSprop은 RMSprop입니다",
    "centred RMSprop with momentum 0 is centred RMSprop": "모멘텀이 0인 중심화 RMSprop은 중심화 RMSprop입니다",
    "AdamW is Adam with the decoupled-weight-decay combinator": "AdamW는 분리된 가중치 감쇠 조합자를 적용한 Adam입니다",
    "Adadelta with a learning rate (torch.optim form)": "학습률이 있는 Adadelta (torch.optim 형태)",
    "torch.optim.Adadelta's lr: it scales the applied step only, so lr != 1 is not a rescaled Adadelta.":
        r"torch.optim.Adadelta의 lr: 적용되는 스텝에만 곱해지므로, $\eta \ne 1$은 배율만 바꾼 Adadelta가 아닙니다.",
    "apply the update scaled by lr (the average of squared updates keeps the unscaled one)":
        "lr을 곱한 업데이트를 적용 (업데이트 제곱의 이동 평균은 배율을 곱하지 않은 값을 유지)",
    "PyTorch Adadelta(lr): identical; lr = 1 (its default) is the document's Adadelta.":
        r"PyTorch \texttt{Adadelta(lr)}: 동일합니다. $\eta = 1$(기본값)은 문서의 Adadelta입니다.",
    "RMSprop (centred)": "RMSprop (중심화)",
    "RMSprop dividing by the root of the variance of the gradients instead of their mean square, as "
    "torch.optim.RMSprop does with centered=True.":
        r"그래디언트 제곱 평균 대신 그래디언트 분산의 제곱근으로 나누는 RMSprop입니다. torch.optim.RMSprop의 "
        r"\texttt{centered=True}와 같습니다.",
    "average of gradients": "그래디언트의 이동 평균",
    "RMS of the gradients around their mean, eps outside": "평균을 뺀 그래디언트의 RMS, eps는 제곱근 밖",
    "moving average of gradients (the mean subtracted)": "그래디언트의 이동 평균 (빼는 평균)",
    "PyTorch RMSprop(centered=True): identical.": r"PyTorch \texttt{RMSprop(centered=True)}: 동일합니다.",
    "RMSprop with momentum": "모멘텀이 있는 RMSprop",
    "RMSprop whose scaled gradients accumulate in a momentum buffer, as torch.optim.RMSprop does with momentum.":
        r"배율을 맞춘 그래디언트를 모멘텀 버퍼에 쌓는 RMSprop입니다. torch.optim.RMSprop의 \texttt{momentum}과 "
        r"같습니다.",
    "momentum buffer of the scaled gradients": "배율을 맞춘 그래디언트의 모멘텀 버퍼",
    "PyTorch RMSprop(momentum): identical.": r"PyTorch \texttt{RMSprop(momentum)}: 동일합니다.",
    "centred RMSprop with momentum keeps three state arrays per parameter":
        "모멘텀이 있는 중심화 RMSprop은 파라미터마다 상태 배열 세 개를 유지합니다",
    "RMSprop (centred) with momentum": "모멘텀이 있는 RMSprop (중심화)",
    "Centred RMSprop with a momentum buffer, as torch.optim.RMSprop does with centered=True and momentum.":
        r"모멘텀 버퍼가 있는 중심화 RMSprop입니다. torch.optim.RMSprop의 \texttt{centered=True}와 "
        r"\texttt{momentum}을 함께 쓴 것과 같습니다.",
    "PyTorch RMSprop(centered=True, momentum): identical.":
        r"PyTorch \texttt{RMSprop(centered=True, momentum)}: 동일합니다.",
    "NAdam with torch.optim's decoupled_weight_decay=True: theta shrinks by 1 - lr lam before the step.":
        r"torch.optim의 \texttt{decoupled\_weight\_decay=True}인 NAdam입니다: 스텝 전에 $\theta$에 "
        r"$1 - \eta\lambda$를 곱합니다.",
    "decay the parameters before the step": "스텝 전에 파라미터를 감쇠",
})
EN.update({
    "Adadelta with lr = 1 is the document's Adadelta": r"Adadelta with $\eta = 1$ is the document's Adadelta",
    "with lr != 1 it is not the document's Adadelta: the averages see the unscaled update":
        r"with $\eta \ne 1$ it is not the document's Adadelta: the averages see the unscaled update",
    "NAdam with torch.optim's decoupled_weight_decay=True: theta shrinks by 1 - lr lam before the step.":
        r"NAdam with torch.optim's \texttt{decoupled\_weight\_decay=True}: $\theta$ shrinks by "
        r"$1 - \eta\lambda$ before the step.",
})

KO.update({
    "with dampening 0 it is torch's undamped momentum form": "dampening이 0이면 torch의 감쇠 없는 모멘텀 형태입니다",
    "the first buffer is the gradient itself, whatever the dampening":
        "dampening과 관계없이 첫 버퍼는 그래디언트 자체입니다",
    "Heavy-ball SGD, dampened (torch.optim form)": "헤비볼 SGD, dampening (torch.optim 형태)",
    "torch.optim.SGD's momentum with dampening: from the second step on the gradient enters the buffer scaled by "
    "1 - dampening; the first buffer is the gradient itself.":
        r"dampening이 있는 torch.optim.SGD의 모멘텀입니다: 두 번째 스텝부터 그래디언트에 $1 - \delta$를 곱해 버퍼에 "
        "더하며, 첫 버퍼는 그래디언트 자체입니다.",
    "momentum buffer: the gradient enters scaled by 1 - dampening, except on the first step":
        r"모멘텀 버퍼: 첫 스텝을 빼고 그래디언트에 $1 - \delta$를 곱해 더함",
    "dampening of the gradient entering the buffer": "버퍼에 들어가는 그래디언트의 감쇠 (dampening)",
    "PyTorch SGD(momentum, dampening): identical.": r"PyTorch \texttt{SGD(momentum, dampening)}: 동일합니다.",
})
EN.update({
    "torch.optim.SGD's momentum with dampening: from the second step on the gradient enters the buffer scaled by "
    "1 - dampening; the first buffer is the gradient itself.":
        r"torch.optim.SGD's momentum with dampening: from the second step on the gradient enters the buffer "
        r"scaled by $1 - \delta$; the first buffer is the gradient itself.",
})

KO.update({
    "Adagrad with lr_decay = 0 is Adagrad": r"\texttt{lr\_decay} $= 0$인 Adagrad는 Adagrad입니다",
    "keeping the product changes nothing in NAdam's update": "누적 곱을 유지해도 NAdam의 업데이트는 바뀌지 않습니다",
    "Adagrad with a decaying learning rate (torch.optim form)": "학습률이 감소하는 Adagrad (torch.optim 형태)",
    "torch.optim.Adagrad's lr_decay: the step at t uses lr / (1 + (t - 1) lr_decay).":
        r"torch.optim.Adagrad의 \texttt{lr\_decay}: 스텝 $t$는 $\eta / (1 + (t - 1)\kappa)$를 씁니다.",
    "scaled step, the learning rate divided by 1 + (t - 1) lr_decay":
        r"배율을 맞춘 스텝, 학습률을 $1 + (t - 1)\kappa$로 나눔",
    "decay of the learning rate: lr / (1 + (t - 1) lr_decay)": r"학습률의 감소: $\eta / (1 + (t - 1)\kappa)$",
    "PyTorch Adagrad(lr_decay): identical.": r"PyTorch \texttt{Adagrad(lr\_decay)}: 동일합니다.",
    "torch's running product mu_product is b1^t at every step t":
        r"torch의 누적 곱 \texttt{mu\_product}는 모든 스텝 $t$에서 $\beta_1^t$입니다",
    "NAdam (exponent t+1) with torch's running product": "torch의 누적 곱을 유지하는 NAdam (지수 t+1)",
    "NAdam with the exponent t+1, keeping torch's mu_product = b1^t (NAdam with momentum_decay = inf).":
        r"지수 $t+1$의 NAdam에 torch의 $\texttt{mu\_product} = \beta_1^t$를 유지합니다 "
        r"(\texttt{momentum\_decay} $= \infty$인 NAdam).",
    "running product of the constant momentum b1": r"상수 모멘텀 $\beta_1$의 누적 곱",
    "running product of the momentum b1 (torch's state; the update does not read it)":
        r"모멘텀 $\beta_1$의 누적 곱 (torch의 상태이며, 업데이트는 읽지 않음)",
})
EN.update({
    "torch's running product mu_product is b1^t at every step t":
        r"torch's running product \texttt{mu\_product} is $\beta_1^t$ at every step $t$",
    "NAdam with the exponent t+1, keeping torch's mu_product = b1^t (NAdam with momentum_decay = inf).":
        r"NAdam with the exponent $t+1$, keeping torch's $\texttt{mu\_product} = \beta_1^t$ (NAdam with "
        r"\texttt{momentum\_decay} $= \infty$).",
    "torch.optim.Adagrad's lr_decay: the step at t uses lr / (1 + (t - 1) lr_decay).":
        r"torch.optim.Adagrad's \texttt{lr\_decay}: the step at $t$ uses $\eta / (1 + (t - 1)\kappa)$.",
})


def _decoupled_titles() -> dict[str, str]:
    from optforge.specs.nadam import NADAM, NADAM_SCHEDULED
    from optforge.specs.torch_variants import NADAM_T1_PRODUCT

    return {f"{base.title} (decoupled weight decay)": f"{KO[base.title]} (분리된 가중치 감쇠)"
            for base in (NADAM, NADAM_T1_PRODUCT, NADAM_SCHEDULED)}


KO.update(_decoupled_titles())


def _torch_option_titles() -> dict[str, str]:
    """The title of each ``<base>_torch`` spec: the base's title and the options' name."""
    from optforge.specs.torch_options import SIGN_ONLY, WITH_L2

    return {f"{base.title} + torch.optim options": f"{KO.get(base.title, base.title)} + torch.optim 옵션"
            for base in WITH_L2 + SIGN_ONLY}


KO.update(_torch_option_titles())


# ---------------------------------------------------------------- properties that pin every assignment (issue: mutation testing)
EN.update({
    'with a constant gradient, G_t = t g^2 and the step is -lr g / (sqrt(t) |g| + eps)':
        'with a constant gradient $g$, $G_t = t g^2$ and the step is $-\\eta g / (\\sqrt{t}\\,|g| + \\epsilon)$',
    'from zero state AdaGrad first moves by -lr g / (|g| + eps), about -lr sign(g)':
        'from zero state AdaGrad first moves by $-\\eta g / (|g| + \\epsilon)$, about $-\\eta\\,\\mathrm{sign}(g)$',
    'with eps inside the root, the first step is -lr g / sqrt(g^2 + eps)':
        'with $\\epsilon$ inside the root, the first step is $-\\eta g / \\sqrt{g^2 + \\epsilon}$',
    'with eps inside the root and a constant gradient, the step is -lr g / sqrt(t g^2 + eps)':
        'with $\\epsilon$ inside the root and a constant gradient, the step is $-\\eta g / \\sqrt{t g^2 + \\epsilon}$',
    'with a constant gradient g, E[g^2]_t = (1 - rho^t) g^2 (whatever E[dtheta^2] does)':
        'with a constant gradient $g$, $E[g^2]_t = (1 - \\rho^t) g^2$ (whatever $E[\\Delta\\theta^2]$ does)',
    "from zero state Adadelta first moves by -sqrt(eps) g / sqrt((1 - rho) g^2 + eps): eps alone sets the first step's size":
        "from zero state Adadelta first moves by $-\\sqrt{\\epsilon}\\, g / \\sqrt{(1 - \\rho) g^2 + \\epsilon}$: $\\epsilon$ alone sets the first step's size",
    'after the first step, E[dtheta^2] = (1 - rho) times the first step squared':
        'after the first step, $E[\\Delta\\theta^2] = (1 - \\rho)$ times the first step squared',
    'on the second step of a constant gradient g, Adadelta moves by -sqrt(E[dtheta^2]_1 + eps) g / sqrt((1 - rho^2) g^2 + eps): the numerator holds the earlier updates, the denominator the gradients':
        'on the second step of a constant gradient $g$, Adadelta moves by $-\\sqrt{E[\\Delta\\theta^2]_1 + \\epsilon}\\, g / \\sqrt{(1 - \\rho^2) g^2 + \\epsilon}$: the numerator holds the earlier updates, the denominator the gradients',
    'with psi = 0 the schedule is the constant mu_t = b1/2, and mu_product_t = (b1/2)^t':
        'with $\\psi = 0$ the schedule is the constant $\\mu_t = \\beta_1/2$, and $\\prod_{i \\le t} \\mu_i = (\\beta_1/2)^t$',
    'from zero state the first step is -lr g (1 + mu_2 (1 - b1) / (1 - mu_1 mu_2)) / (|g| + eps), with mu_k = b1 (1 - 0.96^(k psi) / 2)':
        'from zero state the first step is $-\\eta g \\bigl(1 + \\mu_2 (1 - \\beta_1) / (1 - \\mu_1 \\mu_2)\\bigr) / (|g| + \\epsilon)$, with $\\mu_k = \\beta_1 (1 - 0.96^{k\\psi} / 2)$',
    'after two steps mu_product = mu_1 mu_2: the product runs over the schedule, one factor a step':
        'after two steps $\\prod_{i \\le t} \\mu_i = \\mu_1 \\mu_2$: the product runs over the schedule, one factor a step',
    "for every b1, Adamax from zero state first moves by -lr g/(|g| + eps): the bias correction 1/(1 - b1) undoes m's factor (1 - b1)":
        "for every $\\beta_1$, Adamax from zero state first moves by $-\\eta g/(|g| + \\epsilon)$: the bias correction $1/(1 - \\beta_1)$ undoes $m$'s factor $(1 - \\beta_1)$",
    'with a constant gradient g, m_t = (1 - b1^t) g and the bias-corrected step is -lr g / u_t for every b1 and t':
        'with a constant gradient $g$, $m_t = (1 - \\beta_1^t) g$ and the bias-corrected step is $-\\eta g / u_t$ for every $\\beta_1$ and $t$',
    'while b2 u_{t-1} exceeds |g| + eps (here it is twice that), u_t = b2 u_{t-1}: the running maximum decays by b2':
        'while $\\beta_2 u_{t-1}$ exceeds $|g| + \\epsilon$ (here it is twice that), $u_t = \\beta_2 u_{t-1}$: the running maximum decays by $\\beta_2$',
    "from zero state vhat_1 = vmax_1 / (1 - b2) = g^2: the maximum is bias-corrected like Adam's v":
        "from zero state $\\hat{v}_1 = v^{\\max}_1 / (1 - \\beta_2) = g^2$: the maximum is bias-corrected like Adam's $v$",
    "AMSGrad's first step from zero state is Adam's, -lr g / (|g| + eps)":
        "AMSGrad's first step from zero state is Adam's, $-\\eta g / (|g| + \\epsilon)$",
    "a maximum above the new v is kept: with vmax_1 = 2 g^2 and v_1 = 0 the second step divides by sqrt(2 g^2 / (1 - b2^2)), not by Adam's sqrt(v_2 / (1 - b2^2))":
        "a maximum above the new $v$ is kept: with $v^{\\max}_1 = 2 g^2$ and $v_1 = 0$ the second step divides by $\\sqrt{2 g^2 / (1 - \\beta_2^2)}$, not by Adam's $\\sqrt{v_2 / (1 - \\beta_2^2)}$",
    "with a constant gradient g, m_t = (1 - b2^t) g, and the direction's argument is c_t = (1 - b1 b2^(t-1)) g: it interpolates with the momentum of the previous step":
        "with a constant gradient $g$, $m_t = (1 - \\beta_2^t) g$, and the direction's argument is $c_t = (1 - \\beta_1 \\beta_2^{t-1}) g$: it interpolates with the momentum of the previous step",
    'from zero momentum the first direction is sign((1 - b1) g) = sign(g)':
        'from zero momentum the first direction is $\\mathrm{sign}((1 - \\beta_1) g) = \\mathrm{sign}(g)$',
    'from the second step on (t + 1 for every t >= 1) the gradient enters the buffer scaled by 1 - dampening':
        'from the second step on ($t + 1$ for every $t \\ge 1$) the gradient enters the buffer scaled by $1 - \\delta$',
    "with a constant gradient g, step t is -lr / (1 + (t - 1) lr_decay) g / (sqrt(t) |g| + eps): the first step is Adagrad's, later ones shrink by the decay as well":
        "with a constant gradient $g$, step $t$ is $-\\eta / (1 + (t - 1) \\kappa)\\; g / (\\sqrt{t}\\,|g| + \\epsilon)$: the first step is Adagrad's, later ones shrink by the decay as well",
    'with a constant gradient g, the mean ga_t = (1 - alpha^t) g and v_t = (1 - alpha^t) g^2':
        'with a constant gradient $g$, the mean $\\bar{g}_t = (1 - \\alpha^t) g$ and $v_t = (1 - \\alpha^t) g^2$',
    'after the first gradient the centred denominator is sqrt(alpha (1 - alpha)) |g| + eps: the mean square (1 - alpha) g^2 minus the squared mean (1 - alpha)^2 g^2':
        'after the first gradient the centred denominator is $\\sqrt{\\alpha (1 - \\alpha)}\\,|g| + \\epsilon$: the mean square $(1 - \\alpha) g^2$ minus the squared mean $(1 - \\alpha)^2 g^2$',
    'from zero state RMSprop with momentum first moves by -lr g / (sqrt(1 - alpha) |g| + eps), as RMSprop does':
        'from zero state RMSprop with momentum first moves by $-\\eta g / (\\sqrt{1 - \\alpha}\\,|g| + \\epsilon)$, as RMSprop does',
    'the buffer decays by mu and takes the scaled gradient: after a first average v_1 = (1 - alpha) g^2, buf_1 = mu buf_0 + g / (sqrt(1 - alpha) |g| + eps)':
        'the buffer decays by $\\mu$ and takes the scaled gradient: after a first average $v_1 = (1 - \\alpha) g^2$, $b_1 = \\mu b_0 + g / (\\sqrt{1 - \\alpha}\\,|g| + \\epsilon)$',
    'for SGD, L2 weight decay wd is decoupled weight decay with lam = wd: theta - lr (g + wd theta) = theta (1 - lr wd) - lr g':
        'for SGD, L2 weight decay $\\lambda_2$ is decoupled weight decay with $\\lambda = \\lambda_2$: $\\theta - \\eta (g + \\lambda_2 \\theta) = \\theta (1 - \\eta \\lambda_2) - \\eta g$',
    "on f(x) = a x^2 / 2, NAG's velocity is v_t = mu (1 - lr a) v_{t-1} + lr a theta_{t-1}: the gradient at theta - mu v damps the momentum by (1 - lr a), which Momentum's does not":
        "on $f(x) = a x^2 / 2$, NAG's velocity is $v_t = \\mu (1 - \\eta a) v_{t-1} + \\eta a \\theta_{t-1}$: the gradient at $\\theta - \\mu v$ damps the momentum by $(1 - \\eta a)$, which Momentum's does not",
})
KO.update({
    'with a constant gradient, G_t = t g^2 and the step is -lr g / (sqrt(t) |g| + eps)':
        '그래디언트 $g$가 일정하면 $G_t = t g^2$이고 스텝은 $-\\eta g / (\\sqrt{t}\\,|g| + \\epsilon)$입니다',
    'from zero state AdaGrad first moves by -lr g / (|g| + eps), about -lr sign(g)':
        '상태가 0에서 시작하면 AdaGrad의 첫 스텝은 $-\\eta g / (|g| + \\epsilon)$, 약 $-\\eta\\,\\mathrm{sign}(g)$입니다',
    'with eps inside the root, the first step is -lr g / sqrt(g^2 + eps)':
        '$\\epsilon$이 제곱근 안에 있으면 첫 스텝은 $-\\eta g / \\sqrt{g^2 + \\epsilon}$입니다',
    'with eps inside the root and a constant gradient, the step is -lr g / sqrt(t g^2 + eps)':
        '$\\epsilon$이 제곱근 안에 있고 그래디언트가 일정하면 스텝은 $-\\eta g / \\sqrt{t g^2 + \\epsilon}$입니다',
    'with a constant gradient g, E[g^2]_t = (1 - rho^t) g^2 (whatever E[dtheta^2] does)':
        '그래디언트 $g$가 일정하면 $E[g^2]_t = (1 - \\rho^t) g^2$입니다 ($E[\\Delta\\theta^2]$와 무관)',
    "from zero state Adadelta first moves by -sqrt(eps) g / sqrt((1 - rho) g^2 + eps): eps alone sets the first step's size":
        '상태가 0에서 시작하면 Adadelta의 첫 스텝은 $-\\sqrt{\\epsilon}\\, g / \\sqrt{(1 - \\rho) g^2 + \\epsilon}$입니다: 첫 스텝의 크기는 $\\epsilon$만이 정합니다',
    'after the first step, E[dtheta^2] = (1 - rho) times the first step squared':
        '첫 스텝 후 $E[\\Delta\\theta^2]$는 첫 스텝의 제곱에 $(1 - \\rho)$를 곱한 값입니다',
    'on the second step of a constant gradient g, Adadelta moves by -sqrt(E[dtheta^2]_1 + eps) g / sqrt((1 - rho^2) g^2 + eps): the numerator holds the earlier updates, the denominator the gradients':
        '그래디언트 $g$가 일정할 때 두 번째 스텝은 $-\\sqrt{E[\\Delta\\theta^2]_1 + \\epsilon}\\, g / \\sqrt{(1 - \\rho^2) g^2 + \\epsilon}$입니다: 분자는 이전 업데이트를, 분모는 그래디언트를 담습니다',
    'with psi = 0 the schedule is the constant mu_t = b1/2, and mu_product_t = (b1/2)^t':
        '$\\psi = 0$이면 스케줄은 상수 $\\mu_t = \\beta_1/2$이고 $\\prod_{i \\le t} \\mu_i = (\\beta_1/2)^t$입니다',
    'from zero state the first step is -lr g (1 + mu_2 (1 - b1) / (1 - mu_1 mu_2)) / (|g| + eps), with mu_k = b1 (1 - 0.96^(k psi) / 2)':
        '상태가 0에서 시작하면 첫 스텝은 $-\\eta g \\bigl(1 + \\mu_2 (1 - \\beta_1) / (1 - \\mu_1 \\mu_2)\\bigr) / (|g| + \\epsilon)$이며, $\\mu_k = \\beta_1 (1 - 0.96^{k\\psi} / 2)$입니다',
    'after two steps mu_product = mu_1 mu_2: the product runs over the schedule, one factor a step':
        '두 스텝 후 $\\prod_{i \\le t} \\mu_i = \\mu_1 \\mu_2$입니다: 곱은 스텝마다 스케줄의 인수 하나씩을 곱합니다',
    "for every b1, Adamax from zero state first moves by -lr g/(|g| + eps): the bias correction 1/(1 - b1) undoes m's factor (1 - b1)":
        '모든 $\\beta_1$에 대해 상태가 0에서 시작하면 Adamax의 첫 스텝은 $-\\eta g/(|g| + \\epsilon)$입니다: 편향 보정 $1/(1 - \\beta_1)$이 $m$의 인수 $(1 - \\beta_1)$을 상쇄합니다',
    'with a constant gradient g, m_t = (1 - b1^t) g and the bias-corrected step is -lr g / u_t for every b1 and t':
        '그래디언트 $g$가 일정하면 $m_t = (1 - \\beta_1^t) g$이고, 모든 $\\beta_1$과 $t$에서 편향 보정된 스텝은 $-\\eta g / u_t$입니다',
    'while b2 u_{t-1} exceeds |g| + eps (here it is twice that), u_t = b2 u_{t-1}: the running maximum decays by b2':
        '$\\beta_2 u_{t-1}$이 $|g| + \\epsilon$보다 크면(여기서는 두 배) $u_t = \\beta_2 u_{t-1}$입니다: 누적 최댓값은 $\\beta_2$로 감쇠합니다',
    "from zero state vhat_1 = vmax_1 / (1 - b2) = g^2: the maximum is bias-corrected like Adam's v":
        '상태가 0에서 시작하면 $\\hat{v}_1 = v^{\\max}_1 / (1 - \\beta_2) = g^2$입니다: 최댓값도 Adam의 $v$처럼 편향 보정됩니다',
    "AMSGrad's first step from zero state is Adam's, -lr g / (|g| + eps)":
        '상태가 0에서 시작하면 AMSGrad의 첫 스텝은 Adam과 같은 $-\\eta g / (|g| + \\epsilon)$입니다',
    "a maximum above the new v is kept: with vmax_1 = 2 g^2 and v_1 = 0 the second step divides by sqrt(2 g^2 / (1 - b2^2)), not by Adam's sqrt(v_2 / (1 - b2^2))":
        '새 $v$보다 큰 최댓값은 유지됩니다: $v^{\\max}_1 = 2 g^2$, $v_1 = 0$이면 두 번째 스텝은 Adam의 $\\sqrt{v_2 / (1 - \\beta_2^2)}$가 아니라 $\\sqrt{2 g^2 / (1 - \\beta_2^2)}$로 나눕니다',
    "with a constant gradient g, m_t = (1 - b2^t) g, and the direction's argument is c_t = (1 - b1 b2^(t-1)) g: it interpolates with the momentum of the previous step":
        '그래디언트 $g$가 일정하면 $m_t = (1 - \\beta_2^t) g$이고 방향의 인자는 $c_t = (1 - \\beta_1 \\beta_2^{t-1}) g$입니다: 이전 스텝의 모멘텀과 보간합니다',
    'from zero momentum the first direction is sign((1 - b1) g) = sign(g)':
        '모멘텀이 0에서 시작하면 첫 방향은 $\\mathrm{sign}((1 - \\beta_1) g) = \\mathrm{sign}(g)$입니다',
    'from the second step on (t + 1 for every t >= 1) the gradient enters the buffer scaled by 1 - dampening':
        '두 번째 스텝부터($t \\ge 1$인 모든 $t + 1$) 그래디언트는 $1 - \\delta$를 곱해 버퍼에 들어갑니다',
    "with a constant gradient g, step t is -lr / (1 + (t - 1) lr_decay) g / (sqrt(t) |g| + eps): the first step is Adagrad's, later ones shrink by the decay as well":
        '그래디언트 $g$가 일정하면 $t$번째 스텝은 $-\\eta / (1 + (t - 1) \\kappa)\\; g / (\\sqrt{t}\\,|g| + \\epsilon)$입니다: 첫 스텝은 Adagrad와 같고, 이후 스텝은 감쇠로도 줄어듭니다',
    'with a constant gradient g, the mean ga_t = (1 - alpha^t) g and v_t = (1 - alpha^t) g^2':
        '그래디언트 $g$가 일정하면 평균 $\\bar{g}_t = (1 - \\alpha^t) g$, $v_t = (1 - \\alpha^t) g^2$입니다',
    'after the first gradient the centred denominator is sqrt(alpha (1 - alpha)) |g| + eps: the mean square (1 - alpha) g^2 minus the squared mean (1 - alpha)^2 g^2':
        '첫 그래디언트 후 중심화된 분모는 $\\sqrt{\\alpha (1 - \\alpha)}\\,|g| + \\epsilon$입니다: 제곱 평균 $(1 - \\alpha) g^2$에서 평균의 제곱 $(1 - \\alpha)^2 g^2$를 뺀 값',
    'from zero state RMSprop with momentum first moves by -lr g / (sqrt(1 - alpha) |g| + eps), as RMSprop does':
        '상태가 0에서 시작하면 모멘텀 RMSprop의 첫 스텝은 RMSprop과 같은 $-\\eta g / (\\sqrt{1 - \\alpha}\\,|g| + \\epsilon)$입니다',
    'the buffer decays by mu and takes the scaled gradient: after a first average v_1 = (1 - alpha) g^2, buf_1 = mu buf_0 + g / (sqrt(1 - alpha) |g| + eps)':
        '버퍼는 $\\mu$로 감쇠하며 스케일된 그래디언트를 받습니다: 첫 평균 $v_1 = (1 - \\alpha) g^2$ 후 $b_1 = \\mu b_0 + g / (\\sqrt{1 - \\alpha}\\,|g| + \\epsilon)$입니다',
    'for SGD, L2 weight decay wd is decoupled weight decay with lam = wd: theta - lr (g + wd theta) = theta (1 - lr wd) - lr g':
        'SGD에서는 L2 가중치 감쇠 $\\lambda_2$가 $\\lambda = \\lambda_2$인 분리된 가중치 감쇠와 같습니다: $\\theta - \\eta (g + \\lambda_2 \\theta) = \\theta (1 - \\eta \\lambda_2) - \\eta g$',
    "on f(x) = a x^2 / 2, NAG's velocity is v_t = mu (1 - lr a) v_{t-1} + lr a theta_{t-1}: the gradient at theta - mu v damps the momentum by (1 - lr a), which Momentum's does not":
        '$f(x) = a x^2 / 2$에서 NAG의 속도는 $v_t = \\mu (1 - \\eta a) v_{t-1} + \\eta a \\theta_{t-1}$입니다: $\\theta - \\mu v$에서 구한 그래디언트가 모멘텀을 $(1 - \\eta a)$만큼 줄이며, Momentum은 그렇지 않습니다',
})
EN.update({
    "scaling the gradient (and the velocity) by c > 0 scales NAG's update by c: one learning rate for every "
    "parameter, no per-coordinate normalisation":
        r"scaling the gradient (and the velocity) by $c > 0$ scales NAG's update by $c$: one learning rate for "
        r"every parameter, no per-coordinate normalisation",
    "with eps = 0, scaling g by c > 0 (and m, v consistently) leaves NAdam's update unchanged":
        r"with $\epsilon = 0$, scaling $g$ by $c > 0$ (and $m$, $v$ consistently) leaves NAdam's update unchanged",
})
KO.update({
    "scaling the gradient (and the velocity) by c > 0 scales NAG's update by c: one learning rate for every "
    "parameter, no per-coordinate normalisation":
        r"그래디언트(와 속도)를 $c > 0$배 하면 NAG의 업데이트도 $c$배가 됩니다: 모든 파라미터에 같은 학습률을 쓰며, "
        r"좌표별 정규화가 없습니다",
    "with eps = 0, scaling g by c > 0 (and m, v consistently) leaves NAdam's update unchanged":
        r"$\epsilon = 0$이면 $g$를 $c > 0$배 해도 ($m$, $v$도 그에 맞게) NAdam의 업데이트는 변하지 않습니다",
})

# ---------------------------------------------------------------- the source document's claims (specs/claims.py)
EN.update({
    "claims introduction": (
        r"What the source document says about this optimizer, and the verdict optforge reaches: "
        r"\emph{proved} or \emph{refuted} by the prover or by the specs' structure, \emph{supported}, "
        r"\emph{not supported} or \emph{mixed} by an experiment through the generated kernels (never "
        r"``proved''), or \emph{not decidable here}. \texttt{optforge claims} reproduces them."),
})
KO.update({
    "The source document's claims": "원문의 주장",
    "claims introduction": (
        r"원문이 이 최적화 알고리즘에 대해 말하는 내용과 optforge의 판정입니다: 증명기나 명세의 구조로 "
        r"\emph{증명됨} 또는 \emph{반증됨}, 생성된 커널로 돌린 실험으로 \emph{지지됨}, \emph{지지되지 않음} 또는 "
        r"\emph{엇갈림}(실험은 결코 ``증명''하지 않습니다), 또는 \emph{여기서 판단 불가}. "
        r"\texttt{optforge claims}로 다시 만들 수 있습니다. 실험의 판정 기준은 영어판 시트와 "
        r"\texttt{optforge claims}의 출력에 있습니다."),
    "supported": "지지됨",
    "not supported": "지지되지 않음",
    "mixed": "엇갈림",
    "not decidable here": "여기서 판단 불가",
    "by the prover": "증명기",
    "read off the specs": "명세의 구조",
    "by the experiment": "실험",
    "not decidable here, because": "판단할 수 없는 이유",
    "claim": "주장",
    "optimizers": "최적화 알고리즘",
    "verdict": "판정",
    "decided": "판정 방법",
    "AdaGrad": "AdaGrad",
    "Momentum and NAG on an ill-conditioned quadratic": "조건수가 큰 이차 함수에서의 Momentum과 NAG",
    "step t": "스텝 $t$",
    "mean step size": "평균 스텝 크기",
    "Step sizes on a noisy quadratic": "잡음 있는 이차 함수에서의 스텝 크기",
})
KO.update({
    "loss": "손실",
    "Loss on a noisy quadratic: median and range of 5 seeds": "잡음 있는 이차 함수의 손실: 시드 5개의 중앙값과 범위",
    "learning rate": "학습률",
    "steps to the target": "목표까지의 스텝 수",
    "Learning-rate sensitivity on an ill-conditioned quadratic": "조건수가 큰 이차 함수에서의 학습률 민감도",
})
