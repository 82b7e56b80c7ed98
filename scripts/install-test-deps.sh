#!/usr/bin/env bash
# Install the system packages the tests need: TeX for the equation sheets (latexmk, pdflatex,
# kotex for the Korean sheets, pgfplots for the claims' figures) and poppler-utils (pdftoppm, the PNG
# previews).
#
# Installs with apt-get (Debian/Ubuntu) only what is missing, after `apt-get update`; as root
# directly, otherwise through sudo when there is one.  Prints what it does and what it skips, and
# exits non-zero with a message saying what to install when it cannot install it.
#
#   bash scripts/install-test-deps.sh
set -euo pipefail

PACKAGES=(texlive-latex-recommended latexmk texlive-lang-korean texlive-pictures poppler-utils)
say() { echo "install-test-deps: $*"; }
fail() { echo "install-test-deps: error: $*" >&2; exit 1; }

# 1. Is everything the tests use already there (whatever installed it)?
lacking=()
for tool in latexmk pdflatex kpsewhich pdftoppm; do
  command -v "$tool" >/dev/null 2>&1 || lacking+=("$tool")
done
if command -v kpsewhich >/dev/null 2>&1; then
  for sty in kotex.sty booktabs.sty microtype.sty pgfplots.sty; do
    [ -n "$(kpsewhich "$sty" 2>/dev/null)" ] || lacking+=("$sty")
  done
fi
if [ ${#lacking[@]} -eq 0 ]; then
  say "skipped: TeX and poppler-utils already installed (latexmk, pdflatex, kotex.sty, pgfplots.sty, pdftoppm found)"
  exit 0
fi
say "missing: ${lacking[*]}"

# 2. Which Debian packages are not installed?
command -v apt-get >/dev/null 2>&1 ||
  fail "no apt-get on this machine; install TeX Live (with latexmk and kotex) and poppler (pdftoppm) with your system's package manager (Debian names: ${PACKAGES[*]})"
missing=()
for package in "${PACKAGES[@]}"; do
  if dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    say "skipped: $package (already installed)"
  else
    missing+=("$package")
  fi
done
[ ${#missing[@]} -gt 0 ] ||
  fail "the packages ${PACKAGES[*]} are installed but ${lacking[*]} still not found: check PATH"

# 3. Install them, as root or through sudo.
if [ "$(id -u)" -eq 0 ]; then
  as_root() { "$@"; }; how=""
elif command -v sudo >/dev/null 2>&1; then
  as_root() { sudo "$@"; }; how="sudo "
else
  fail "not root and no sudo: as root, run: apt-get update && apt-get install -y ${missing[*]}"
fi
export DEBIAN_FRONTEND=noninteractive
say "running: ${how}apt-get update"
as_root apt-get update -qq ||
  fail "apt-get update failed; as root, run: apt-get update && apt-get install -y ${missing[*]}"
say "running: ${how}apt-get install -y ${missing[*]}"
as_root apt-get install -y -qq "${missing[@]}" >/dev/null ||
  fail "apt-get install failed; as root, run: apt-get update && apt-get install -y ${missing[*]}"
say "installed: ${missing[*]}"
for tool in latexmk pdflatex pdftoppm; do
  command -v "$tool" >/dev/null 2>&1 || fail "installed ${missing[*]}, but $tool is still not on PATH"
done
