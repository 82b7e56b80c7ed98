"""The runtime contract (optforge.runtime): what generated code may import, and its version.

* a module generated for another contract version refuses to import, saying to regenerate;
* regenerating for a new version changes the module, so Numba's cached machine code for the old
  one is not loaded (the kernels compile again), while an unchanged module loads from the cache;
* a change to what compiled code depends on (the compiled helper, the tensor table's columns, the
  descriptor fields) cannot land without a new version: the digest below records version 3 (3 added
  the checkpoint conversions, ``CheckpointForm``).
"""

import hashlib
import inspect
import json
import os
import subprocess
import sys

import pytest

from optforge import runtime
from optforge.codegen import generate
from optforge.specs import SPECS

#: Digest of what compiled, generated code depends on, per contract version (see _contract_digest).
DIGESTS = {2: "916f5db1", 3: "6034dfb8"}


def _contract_digest() -> str:
    parts = [inspect.getsource(runtime.typed_pointer), repr(runtime.TENSOR_COLUMNS),
             repr(runtime.KernelDescription._fields), repr(runtime.Hyper._fields),
             repr(runtime.StateInfo._fields), repr(runtime.OpCounts._fields),
             repr(runtime.TorchEquivalent._fields), repr(runtime.CheckpointForm._fields)]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:8]


def test_what_compiled_code_depends_on_changes_only_with_the_version():
    digest = _contract_digest()
    assert DIGESTS.get(runtime.CONTRACT_VERSION) == digest, (
        f"the runtime contract changed (digest {digest}): bump optforge.runtime.CONTRACT_VERSION, "
        "regenerate (optforge regenerate) and record the new digest here")


def _module_for(version: int, monkeypatch) -> str:
    with monkeypatch.context() as m:
        m.setattr(runtime, "CONTRACT_VERSION", version)
        return generate.render_kernel_module(SPECS["adam"]).text


_CHILD = """
import json, sys
import numpy as np
import optforge.runtime as runtime
runtime.CONTRACT_VERSION = int(sys.argv[1])
sys.path.insert(0, sys.argv[2])
try:
    import adam_contract as mod
except ImportError as e:
    print(json.dumps({"error": type(e).__name__, "message": str(e)}))
    raise SystemExit(0)
p = np.zeros(8, np.float32)
mod.Adam([p], lr=0.5).step([np.ones(8, np.float32)])
k = mod.adam_multi_serial
print(json.dumps({"hits": k.stats.cache_hits.total(), "misses": k.stats.cache_misses.total(), "p": float(p[0])}))
"""


def _run(tmp_path, runtime_version: int) -> dict:
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "cache"), "OPTFORGE_PRELOAD": "0"}
    out = subprocess.run([sys.executable, "-c", _CHILD, str(runtime_version), str(tmp_path / "mods")], env=env,
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_a_module_made_for_another_contract_refuses_and_regenerating_recompiles(tmp_path, monkeypatch):
    mods = tmp_path / "mods"
    mods.mkdir()
    path = mods / "adam_contract.py"
    v = runtime.CONTRACT_VERSION
    path.write_text(_module_for(v, monkeypatch))
    first, second = _run(tmp_path, v), _run(tmp_path, v)
    assert first["misses"] == 1 and first["hits"] == 0  # compiled and cached
    assert second["hits"] == 1 and second["misses"] == 0  # the same module loads from the cache
    assert first["p"] == second["p"] == pytest.approx(-0.5, rel=1e-6)

    # The runtime moves to contract v + 1: the old module refuses to run against it.
    refused = _run(tmp_path, v + 1)
    assert refused["error"] == "ContractError"
    assert f"generated for optforge runtime contract {v}" in refused["message"] and "regenerate" in refused["message"]

    # Regenerated for v + 1 (written as the generator writes, a new file): the cache entry of the old module
    # is stale, so the kernel compiles again instead of running the old machine code.
    text = _module_for(v + 1, monkeypatch)
    assert f"require_contract({v + 1}, __name__)" in text and f"contract {v + 1}." in text
    generate.write_atomic(path, text)
    again = _run(tmp_path, v + 1)
    assert again["misses"] == 1 and again["hits"] == 0
    assert again["p"] == pytest.approx(-0.5, rel=1e-6)


def test_generated_modules_import_only_the_public_contract():
    for spec in SPECS.values():
        if not spec.api_class:
            continue
        text = generate.render_kernel_module(spec).text
        imports = [line for line in text.splitlines() if line.startswith(("import ", "from "))]
        assert imports[-1].startswith("from optforge.runtime import ("), imports
        assert "_engine" not in text and "_runtime" not in text
