"""Equation sheets: typeset from the specs, with the right subscripts, verdicts and texts, committed
byte for byte, and compiling without LaTeX errors or overfull boxes in both languages."""

import concurrent.futures
import dataclasses
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import sympy as sp

from optforge.codegen import generate, prover, sheet_texts, sheets
from optforge.specs import PROPERTIES, SPECS
from optforge.specs.language import GRAD, THETA, Assign, Spec, State

from conftest import ROOT  # noqa: E402


@pytest.fixture(scope="module")
def verdicts():
    return prover.check_all(PROPERTIES)


@pytest.fixture(scope="module")
def decided():
    from optforge.codegen import claims

    return claims.decide_all()


@pytest.fixture(scope="module")
def rendered(verdicts, decided):
    files, missing = sheets.render_all(SPECS.values(), verdicts, claims=decided)
    return {f.path: f.text for f in files}, missing


def sheet(rendered, name, lang="en"):
    return rendered[0][f"sheets/{lang}/{name}.tex"]


def equation_lines(text):
    """The align* rows of the first equation block, as {lhs: rhs}."""
    block = text.split(r"\begin{align*}", 1)[1].split(r"\end{align*}", 1)[0]
    rows = {}
    for row in block.split(r"\\"):
        if "&=" in row:
            lhs, rest = row.split("&=", 1)
            rows[lhs.strip()] = rest.split("&&", 1)[0].strip()
    return rows


# ------------------------------------------------------------------ names and subscripts
@pytest.mark.parametrize("latex, when, expected", [
    ("m", "t-1", "m_{t-1}"),
    ("m", "t", "m_t"),
    (r"\hat{m}", "t", r"\hat{m}_t"),
    ("E[g^2]", "t", "E[g^2]_t"),
    (r"\Delta\theta", "t", r"\Delta\theta_t"),
    ("x_1", "t-1", "x_{1,t-1}"),
    (r"\mu_t", "t-1", r"\mu_{t-1}"),
    (r"\prod_{i \le t} \mu_i", "t-1", r"\prod_{i \le t-1} \mu_i"),
    (r"\prod_{i \le t} \mu_i", "0", r"\prod_{i \le 0} \mu_i"),
    (r"\theta", "0", r"\theta_0"),
])
def test_timed_names(latex, when, expected):
    assert sheets.timed(latex, when) == expected


def test_adam_sheet_has_sequential_subscripts(rendered):
    rows = equation_lines(sheet(rendered, "adam"))
    assert rows["g_t"] == r"\nabla f(\theta_{t-1})"
    assert rows["m_t"] == r"\beta_1 m_{t-1} + (1 - \beta_1) g_t"
    assert rows["v_t"] == r"\beta_2 v_{t-1} + (1 - \beta_2) g_t^{2}"
    # after m is assigned it is m_t: the bias correction reads the new value
    # the bias corrections' latex is their formula, so they are written out where used
    assert rows[r"\hat{m}_t"] == r"\frac{m_t}{1 - \beta_1^{t}}"
    assert rows[r"\hat{v}_t"] == r"\frac{v_t}{1 - \beta_2^{t}}"
    assert rows[r"\theta_t"] == r"\theta_{t-1} - \frac{\eta \hat{m}_t}{\sqrt{\hat{v}_t} + \epsilon}"
    assert list(rows) == ["g_t", "m_t", "v_t", r"\hat{m}_t", r"\hat{v}_t", r"\theta_t"]


def test_state_read_after_its_assignment_is_the_new_value():
    # Lion reads m before assigning it at the end: every m on the right is m_{t-1}.
    rows = {line.lhs: line.rhs for line in sheets.equations(SPECS["lion"]).lines}
    assert rows["c_t"] == r"\beta_1 m_{t-1} + (1 - \beta_1) g_t"
    assert rows["m_t"] == r"\beta_2 m_{t-1} + (1 - \beta_2) g_t"
    assert rows[r"\theta_t"] == r"\theta_{t-1} - \eta (\operatorname{sign}(c_t) + \lambda \theta_{t-1})"
    # A spec that reads its state after assigning it gets the new value.
    m = sp.Symbol("m", real=True)
    spec = Spec("twice", "Twice", hyperparameters=[], state=[State("m", 0.0, "sum", "m")],
                assignments=[Assign(m, m + GRAD, "add"), Assign(THETA, THETA - m, "step")])
    rows = {line.lhs: line.rhs for line in sheets.equations(spec).lines}
    assert rows == {"g_t": r"\nabla f(\theta_{t-1})", "m_t": "m_{t-1} + g_t", r"\theta_t": r"\theta_{t-1} - m_t"}


def test_adadelta_uses_the_latex_fields(rendered):
    rows = equation_lines(sheet(rendered, "adadelta"))
    assert rows["E[g^2]_t"] == r"\rho E[g^2]_{t-1} + (1 - \rho) g_t^{2}"
    assert rows[r"\Delta\theta_t"] == (r"-\frac{\sqrt{E[\Delta\theta^2]_{t-1} + \epsilon}}"
                                      r"{\sqrt{E[g^2]_t + \epsilon}} g_t")
    assert rows[r"E[\Delta\theta^2]_t"] == r"\rho E[\Delta\theta^2]_{t-1} + (1 - \rho) \Delta\theta_t^{2}"
    assert rows[r"\theta_t"] == r"\theta_{t-1} + \Delta\theta_t"


@pytest.mark.parametrize("name", ["adagrad", "adagrad_eps_in_sqrt", "rmsprop"])
def test_intermediates_named_by_their_formula_are_written_out(rendered, name):
    spec = SPECS[name]
    denom = spec.assignment("denom")
    rows = equation_lines(sheet(rendered, name))
    assert not any(lhs.startswith(r"\sqrt") for lhs in rows)  # no "\sqrt{G_t} + \epsilon = ..." line
    # what is printed in its place is the spec's own latex field, derived from its expression
    assert rows[r"\theta_t"] == r"\theta_{t-1} - \frac{\eta g_t}{%s}" % denom.latex
    assert f"${denom.latex}$" in sheet(rendered, name)


def test_nag_sheet_has_both_forms_and_the_change_of_variables(rendered):
    text = sheet(rendered, "nag")
    rows = equation_lines(text)
    assert rows["g_t"] == r"\nabla f(\theta_{t-1} - \mu v_{t-1})"
    assert rows["v_t"] == r"\mu v_{t-1} + \eta g_t"
    assert rows[r"\theta_t"] == r"\theta_{t-1} - v_t"
    assert r"\phi_t = \theta_t - \mu v_t \qquad\Longleftrightarrow\qquad \theta_t = \phi_t + \mu v_t" in text
    derived = text.split("Change of variables", 1)[1]
    derived_rows = equation_lines(derived)
    assert derived_rows["g_t"] == r"\nabla f(\phi_{t-1})"
    # phi is updated first, from v_{t-1}; then v (docs/semantics.md §1.1: phi_t = phi_{t-1} - (1+mu) eta g_t - mu^2 v_{t-1})
    assert list(derived_rows) == ["g_t", r"\phi_t", "v_t"]
    assert derived_rows[r"\phi_t"] == r"\phi_{t-1} - \eta (\mu + 1) g_t - \mu^{2} v_{t-1}"
    assert derived_rows["v_t"] == r"\mu v_{t-1} + \eta g_t"
    # the printed derived form is the spec language's derivation, not a copy
    stored = SPECS["nag"].stored_gradient_form()
    assert [a.name for a in stored.assignments] == ["theta", "v"]
    assert "nag_lookahead_equals_stored_form" in text.replace(r"\_", "_")


def test_nadam_schedule_product_keeps_its_scope(rendered):
    rows = equation_lines(sheet(rendered, "nadam_scheduled"))
    assert rows[r"\prod_{i \le t} \mu_i"] == r"\mu_t \prod_{i \le t-1} \mu_i"
    assert rows[r"\mu_t"] == r"\beta_1 (1 - \tfrac{1}{2} 0.96^{\psi t})"
    # nothing follows a \prod inside a product, so nothing reads as inside it
    assert not re.search(r"\\prod_\{[^}]*\} \\mu_i \\mu", sheet(rendered, "nadam_scheduled"))


# ------------------------------------------------------------------ tables, notes, torch call
def test_tables_and_torch_call(rendered):
    text = sheet(rendered, "adam")
    assert r"$\beta_1$ & \texttt{b1} {\footnotesize(\texttt{betas[0]})} & decay rate of the first-moment average & $0.9$ & $[0, 1)$ \\" in text
    assert r"$\epsilon$ & \texttt{eps} & added to the denominator against division by zero & $10^{-8}$ & $(0, \infty)$" in text
    assert r"$m$ & \texttt{m} & first moment: moving average of gradients & $m_0 = 0$ & array & \texttt{exp\_avg} \\" in text
    assert "State arrays per parameter: 2" in text
    assert r"\texttt{torch.optim.Adam(params, lr=lr" in text
    assert "Keras" in text and r"\epsilon_t = \epsilon / \sqrt{1 - \beta_2^t}" in text
    scheduled = sheet(rendered, "nadam_scheduled")
    assert r"$\prod_{i \le t} \mu_i$ & \texttt{mu\_product} & running product of the momentum schedule & $\prod_{i \le 0} \mu_i = 1$ & scalar" in scheduled
    assert "State arrays per parameter: 2" in scheduled
    assert "No torch.optim call reproduces this spec exactly." in sheet(rendered, "nadam")
    assert "No torch.optim call reproduces this spec exactly." not in text


# ------------------------------------------------------------------ properties and verdicts
def test_sheets_show_the_properties_that_involve_them(rendered):
    adam = sheet(rendered, "adam")
    for name in ("adam_bias_correction", "adam_scale_invariant", "adam_b1_0_is_bias_corrected_rmsprop",
                 "adamw_lambda0_is_adam", "adam_l2_is_not_adamw"):
        assert sheets.escape(name) in adam, name
    # nadam_t1's parent is adam, but the property is about the two NAdams only
    assert sheets.escape("nadam_vs_t1_differ_by_c_t") not in adam
    assert sheets.escape("nadam_c_t_vanishes") in sheet(rendered, "nadam_t1")  # through Limit.others
    every = set()
    for spec in SPECS.values():
        every |= {p.name for p in PROPERTIES if sheets.involves(p, spec, SPECS)}
    assert every == {p.name for p in PROPERTIES}, "a property appears on no sheet"


def test_refuted_property_shows_its_counterexample(rendered, verdicts):
    text = sheet(rendered, "nag")
    item = text.split(sheets.escape("nag_is_not_momentum"), 1)[1].split(r"\item", 1)[0]
    before = text.split(sheets.escape("nag_is_not_momentum"), 1)[0].rsplit(r"\item", 1)[1]
    assert r"\verdict{refuted}{refuted, as declared}" in before
    verdict = next(v for v in verdicts if v.prop.name == "nag_is_not_momentum")
    assert verdict.status == "refuted" and verdict.counterexample
    assert "A point at which the two sides differ" in item and "left side minus right side" in item
    for key, value in verdict.counterexample.items():
        if key != "grad f(x)":
            assert sheets.SheetPrinter({})(sp.sympify(value)) in item, key
    assert r"\nabla f(x) = " in item
    assert r"\theta_{t-1} = " in item and r"v_{t-1} = " in item
    # the residual printed is the prover's, and its value at the counterexample matches the prover's
    assert r"\eta \nabla f(\theta_{t-1}) - \eta \nabla f(\theta_{t-1} - \mu v_{t-1})" in item
    shown = float(re.search(r"left side minus right side: \$(-?[\d.]+)\$", item).group(1))
    reported = float(re.search(r"residual (-?[\d.e+-]+) at", verdict.numeric).group(1))
    assert shown == pytest.approx(reported, rel=1e-3)


def test_proved_property_shows_its_formula(rendered):
    nadam = sheet(rendered, "nadam")
    assert (r"\theta_t^{(\text{\ttfamily nadam})} - \theta_t^{(\text{\ttfamily nadam\_t1})} = "
            r"-\frac{\eta \beta_1 (\frac{1}{1 - \beta_1^{t}} - \frac{1}{1 - \beta_1^{t + 1}}) m_t}"
            r"{\sqrt{\hat{v}_t} + \epsilon}") in nadam.replace(r"\left(", "(").replace(r"\right)", ")")
    adam = sheet(rendered, "adam")
    assert r"m_t = (1 - \beta_1^{t}) g,\quad v_t = (1 - \beta_2^{t}) g^{2}\;\Rightarrow\; \hat{m}_t = g,\quad \hat{v}_t = g^{2}" in adam


def test_a_verdict_that_is_not_the_declared_one_is_flagged():
    prop = next(p for p in PROPERTIES if p.name == "adam_bias_correction")
    wrong = prover.Verdict(prop, "undecided", "made up")
    entry = sheets.property_entry(wrong, sheets.Texts("en"))
    assert not entry["ok"] and entry["label"] == "undecided (declared: proved)"


# ------------------------------------------------------------------ Korean
def test_every_text_has_a_korean_text(verdicts, decided):
    # strict: raises KeyError naming every English text without a Korean one
    files, missing = sheets.render_all(SPECS.values(), verdicts, ["ko"], strict=True, claims=decided)
    assert missing == {"ko": []}


def test_a_quantity_without_korean_text_fails(verdicts):
    adam = SPECS["adam"]
    state = (dataclasses.replace(adam.state[0], meaning="a meaning nobody translated"),) + adam.state[1:]
    spec = dataclasses.replace(adam, state=state)
    with pytest.raises(KeyError, match="a meaning nobody translated"):
        sheets.render_sheet(spec, verdicts, "ko", strict=True)
    texts = sheets.Texts("ko")
    text = sheets.render_sheet(spec, verdicts, "ko", texts=texts)  # not strict: English, recorded
    assert texts.missing == ["a meaning nobody translated"] and "a meaning nobody translated" in text


def test_no_stale_texts(verdicts, decided):
    texts_en, texts_ko = sheets.Texts("en"), sheets.Texts("ko")
    for texts in (texts_en, texts_ko):
        for spec in SPECS.values():
            sheets.render_sheet(spec, verdicts, texts.lang, texts=texts, claims=decided)
        sheets.render_booklet(SPECS.values(), verdicts, texts.lang, texts=texts, claims=decided)
        # headings a sheet only shows in some cases
        for english in ("refuted", "undecided", "No hyperparameters.", "No notes.", "declared",
                        "No property involves this optimizer.", "mixed", "read off the specs"):
            texts(english)
    assert set(sheet_texts.KO) - texts_ko.used == set(), "Korean texts that no sheet uses"
    assert set(sheet_texts.EN) - texts_en.used == set(), "English LaTeX texts that no sheet uses"


def test_korean_sheet_uses_the_document_terms(rendered):
    text = sheet(rendered, "adam", "ko")
    assert r"\usepackage{kotex}" in text and r"\usepackage{kotex}" not in sheet(rendered, "adam")
    for term in ("학습률", "감쇠율", "그래디언트", "1차 모멘트", "편향", "하이퍼파라미터", "업데이트 수식"):
        assert term in text, term
    # same mathematics as the English sheet
    assert equation_lines(text) == equation_lines(sheet(rendered, "adam"))
    assert "learning rate" not in text and "first-moment" not in text


# ------------------------------------------------------------------ files: committed, reproducible, checked
def test_every_spec_has_a_sheet_in_both_languages(rendered):
    paths = set(rendered[0])
    for lang in sheets.LANGS:
        assert {f"sheets/{lang}/{n}.tex" for n in SPECS} | {f"sheets/{lang}/booklet.tex"} == \
            {p for p in paths if p.startswith(f"sheets/{lang}/")}
        booklet = rendered[0][f"sheets/{lang}/booklet.tex"]
        # every spec once: a base algorithm as a section, a variant as a subsection under it; and the
        # chapter that tabulates the source document's claims
        assert booklet.count(r"\section{") + booklet.count(r"\subsection{") == len(SPECS) + 1
        assert booklet.count(r"\begin{longtable}") == 1 and booklet.count(r"\tabularnewline") >= 31
        assert r"\tableofcontents" in booklet


def test_sheets_are_reproducible_and_carry_no_paths_or_dates(rendered, verdicts, decided):
    again, _ = sheets.render_all(SPECS.values(), verdicts, claims=decided)
    assert {f.path: f.text for f in again} == rendered[0]
    for path, text in rendered[0].items():
        assert str(ROOT) not in text and "/home/" not in text, path
        assert not re.search(r"\b20\d\d-\d\d-\d\d\b", text), path
        assert text.startswith("% Generated by optforge.codegen from ") and "Do not edit" in text, path


def test_committed_sheets_match_the_specs(rendered):
    files = [generate.Rendered(p, t) for p, t in rendered[0].items()]
    diff = generate.stale(files, ROOT / "generated", managed=lambda p: p.suffix == ".tex")
    assert not diff, f"generated/sheets is stale; run {generate.REGENERATE_COMMAND}\n{diff}"


def test_check_fails_when_a_sheet_is_edited(tmp_path, rendered):
    out = tmp_path / "generated"
    for f in generate.render_package(SPECS.values()):
        generate.write_atomic(out / f.path, f.text)
    for path, text in rendered[0].items():
        generate.write_atomic(out / path, text)
    script = [sys.executable, str(ROOT / "scripts" / "regenerate.py"), "--out", str(out)]
    target = out / "sheets" / "en" / "adam.tex"
    target.write_text(target.read_text().replace(r"\hat{m}_t &= \frac{m_t}", r"\hat{m}_t &= \frac{m_{t-1}}"))
    (out / "sheets" / "ko" / "extra.tex").write_text("% not made by any spec\n")
    stale = subprocess.run(script + ["--check"], capture_output=True, text=True)
    assert stale.returncode == 1
    assert r"-  \hat{m}_t &= \frac{m_{t-1}}" in stale.stdout and r"+  \hat{m}_t &= \frac{m_t}" in stale.stdout
    assert "generated/sheets/ko/extra.tex" in stale.stdout


def test_rendering_is_fast(verdicts):
    import time

    start = time.perf_counter()
    sheets.render_all(SPECS.values(), verdicts)
    assert time.perf_counter() - start < 10


# ------------------------------------------------------------------ the log checker and the command
def test_log_problems():
    log = "\n".join([
        "! Undefined control sequence.",
        "l.12 \\foo",
        "./x.tex:12: Undefined control sequence.",
        "LaTeX Warning: Reference `sec:a' on page 1 undefined on input line 3.",
        "Overfull \\hbox (12.5pt too wide) in paragraph at lines 3--4",
        "Overfull \\hbox (0.8pt too wide) in paragraph at lines 5--6",
        "Missing character: There is no ^^A in font cmr10!",
    ])
    problems = sheets.log_problems(log)
    assert any("Undefined control sequence" in p for p in problems)
    assert any("Reference `sec:a'" in p for p in problems)
    assert any("12.5pt" in p for p in problems) and not any("0.8pt" in p for p in problems)
    assert any("Missing character" in p for p in problems)
    assert sheets.log_problems("Overfull \\hbox (2.9pt too wide) in paragraph\nOutput written on x.pdf") == []


def test_missing_tex_says_what_to_install(monkeypatch, capsys):
    monkeypatch.setattr(sheets.shutil, "which", lambda name: None)
    assert sheets.main(["--lang", "ko"]) != 0
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "texlive-latex-recommended latexmk texlive-pictures texlive-lang-korean" in err
    assert sheets.main(["--lang", "en"]) != 0
    err = capsys.readouterr().err.strip()
    assert "apt-get update && apt-get install -y texlive-latex-recommended latexmk" in err and "sudo" not in err
    assert "texlive-lang-korean for --lang ko" in err and "bash scripts/install-test-deps.sh" in err


TEX = sheets.tex_missing("en") is None
KOTEX = sheets.tex_missing("ko") is None
needs_tex = pytest.mark.skipif(not TEX, reason=sheets.tex_missing("en") or "")


@needs_tex
def test_build_pdf_reports_latex_errors_and_overfull_boxes(tmp_path):
    bad = tmp_path / "bad.tex"
    bad.write_text("\\documentclass{article}\\begin{document}\\undefinedmacro\\end{document}\n")
    with pytest.raises(sheets.LatexError, match="Undefined control sequence"):
        sheets.build_pdf(bad, tmp_path / "out")
    wide = tmp_path / "wide.tex"
    wide.write_text("\\documentclass{article}\\begin{document}\\noindent\\rule{1.2\\textwidth}{1pt}\\end{document}\n")
    with pytest.raises(sheets.LatexError, match="overfull"):
        sheets.build_pdf(wide, tmp_path / "out")
    # the fast draft-mode check finds the same problems
    assert any("Undefined control sequence" in p for p in sheets.check_tex(bad, tmp_path / "draft"))
    assert any("overfull" in p for p in sheets.check_tex(wide, tmp_path / "draft"))
    good = tmp_path / "good.tex"
    good.write_text("\\documentclass{article}\\begin{document}Fine.\\end{document}\n")
    assert sheets.check_tex(good, tmp_path / "draft") == []


@needs_tex
@pytest.mark.parametrize("lang", [pytest.param("en"), pytest.param(
    "ko", marks=pytest.mark.skipif(not KOTEX, reason=sheets.tex_missing("ko") or ""))])
def test_every_sheet_and_the_booklet_compile(tmp_path, rendered, lang):
    """Both languages, every sheet and the booklet: no LaTeX error, no undefined control sequence or
    reference, no overfull box wider than 3pt (parsed from each .log).  The booklet is built in full
    (latexmk: its table of contents needs the reruns); each sheet, which has no cross-references, is
    typeset once in draft mode, which finds the same problems without writing a PDF."""
    paths = []
    for path, text in rendered[0].items():
        if path.startswith(f"sheets/{lang}/"):
            tex = tmp_path / Path(path).name
            tex.write_text(text, encoding="utf-8")
            paths.append(tex)
    assert len(paths) == len(SPECS) + 1

    def build(tex):
        if tex.stem == "booklet":
            try:
                sheets.build_pdf(tex, tmp_path)
                return tex.name, []
            except sheets.LatexError as e:
                return tex.name, e.problems
        return tex.name, sheets.check_tex(tex, tmp_path)

    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        results = list(pool.map(build, sorted(paths, key=lambda p: p.stem != "booklet")))
    failures = {name: problems for name, problems in results if problems}
    assert not failures, failures
    booklet = tmp_path / "booklet.pdf"
    assert booklet.exists() and booklet.read_bytes()[:5] == b"%PDF-"
    if shutil.which("pdftoppm"):
        pngs = sheets.write_png(booklet, tmp_path, pages=2)
        assert [p.name for p in pngs] == ["booklet-page1.png", "booklet-page2.png"]
        assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in pngs)


@needs_tex
def test_user_spec_gets_a_sheet(tmp_path, verdicts):
    """A spec from a user's file: not in the registry; on a Korean sheet the user's own words stay as
    written (nothing is missing), the built-in Adam's inherited texts are translated."""
    adam = SPECS["adam"]
    mine = adam.variant("my_adam", "My Adam", defaults={"lr": 3e-4}, description="Adam with another default.")
    texts = sheets.Texts("ko")
    tex = tmp_path / "my_adam.tex"
    tex.write_text(sheets.render_sheet(mine, verdicts, "ko", texts=texts), encoding="utf-8")
    assert texts.missing == []
    text = tex.read_text()
    assert r"3 \cdot 10^{-4}" in text and "My Adam" in text and "Adam with another default." in text
    assert sheet_texts.KO["first-moment average"] in text  # Adam's own line, inherited
    pdf = sheets.build_pdf(tex, tmp_path / "out")
    assert pdf.read_bytes()[:5] == b"%PDF-"


@needs_tex
def test_sheets_command_builds_a_pdf(tmp_path):
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "sheets.py"), "sgd", "--out", str(tmp_path)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"^\[1/1\] .*en/sgd\.tex -> sgd\.pdf \(\d+\.\ds\)$", result.stdout, re.M), result.stdout
    assert (tmp_path / "en" / "sgd.pdf").exists() and (tmp_path / "en" / "sgd.tex").exists()


def test_a_users_texts_keep_their_words_and_typeset_their_math(verdicts):
    """A user's Korean sheet never swaps the user's text for the built-in translation of the same
    English words; ``$...$`` and SymPy expressions in a user's texts are typeset; a sum prints in the
    order that reads well, ``(g - m)^2`` and not ``(-m + g)^2``."""
    from optforge.specs.language import Assign, Hyperparameter, Spec, State, UNIT_INTERVAL, POSITIVE

    lr = Hyperparameter("lr", 1e-3, POSITIVE, "learning rate (step size)", r"\eta")  # a built-in's words
    b = Hyperparameter("b", 0.9, UNIT_INTERVAL, "decay of the belief", r"\beta")
    m, s_ = sp.Symbol("m", real=True), sp.Symbol("s", real=True)
    spec = Spec("belief", "Belief", hyperparameters=[lr, b],
                state=[State("m", 0.0, "average of $g$", "m"),
                       State("s", 0.0, "belief: moving average of $(g - m)^2$", "s")],
                assignments=[Assign(m, b.symbol * m + (1 - b.symbol) * sp.Symbol("g")),
                             Assign(s_, b.symbol * s_ + (1 - b.symbol) * (sp.Symbol("g") - m) ** 2,
                                    sp.Symbol("g") - m),
                             Assign(sp.Symbol("theta"), sp.Symbol("theta") - lr.symbol * m / sp.sqrt(s_ + 1))],
                description="a toy with $\\sqrt{s}$ in it; 100% of it is the user's")
    assert "learning rate (step size)" in sheet_texts.KO  # the built-in sheets translate these words
    ko = sheets.render_sheet(spec, [], "ko")
    assert r"\eta$ & \texttt{lr} & learning rate (step size) &" in ko
    assert sheet_texts.KO["learning rate (step size)"] not in ko
    assert "belief: moving average of $(g - m)^2$" in ko and "average of $g$" in ko
    assert r"a toy with $\sqrt{s}$ in it; 100\% of it is the user's" in ko
    assert r"\gloss{$g - m$}" in ko  # a SymPy expression as a meaning, typeset
    en = sheets.render_sheet(spec, [], "en")
    assert r"(g_t - m_t)^{2}" in en and r"(-m_t + g_t)" not in en, en
    # The built-in specs' texts are still translated on their own sheets.
    assert sheet_texts.KO["learning rate (step size)"] in sheets.render_sheet(SPECS["adam"], [], "ko")


def test_the_booklet_groups_variants_under_their_base(rendered):
    """Each base algorithm is a section; its variants (the parent chain) follow it as subsections."""
    text = sheet(rendered, "booklet")
    headings = re.findall(r"^\\(section|subsection)\{(.*)\}$", text, re.M)
    sections = [t for kind, t in headings if kind == "section"]
    assert sections[:4] == ["SGD", "Momentum", "NAG", "Adagrad"] and "Adam" in sections
    assert len(sections) < len(headings) / 3  # a few algorithms, their variants under them
    after_adam = [t for kind, t in headings[[t for _, t in headings].index("Adam") + 1:]]
    assert after_adam[0] == "AdamW" and "Adam + torch.optim options" in after_adam[:20]
    kinds = dict((t, kind) for kind, t in headings)
    assert kinds["AdamW"] == kinds["NAdam"] == kinds["Heavy-ball SGD (torch.optim form)"] == "subsection"
    # a standalone sheet of a variant is still a document of its own, with an unnumbered section
    assert r"\section*{AdamW}" in sheet(rendered, "adamw")
