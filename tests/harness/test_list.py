"""`python -m schedbench list`: what is installed, by class."""

from __future__ import annotations

import subprocess
import sys


def test_list_names_what_is_installed():
    """`python -m schedbench list`: classes, datasets (aliases, presets), solvers (their
    classes, the configurations of conf/solver); a closed pipe is not an error."""

    def listed(*args):
        done = subprocess.run([sys.executable, "-m", "schedbench", "list", *args],
                              capture_output=True, text=True, timeout=120)  # fmt: skip
        assert done.returncode == 0 and not done.stderr, done.stderr
        return done.stdout

    assert [line.split()[0] for line in listed().splitlines()] == ["icml24", "modulo", "rcs", "tcs"]
    modulo = listed("solvers", "--class", "modulo")
    assert "modulo_gauss_nograd" in modulo and "modulo_highs" in modulo and "rcs_list" not in modulo
    lines = modulo.splitlines()  # the columns line up, long names included
    assert len({line.index("solver=") if "solver=" in line else line.index("schedbench.")
                for line in lines}) == 1  # fmt: skip
    datasets = listed("datasets")
    assert "(alias eds/invert)" in datasets and "synthetic_deep" in datasets
    rcs = listed("solvers", "--class", "rcs")
    assert "hls_gs_nograd" in rcs and "rcs_cpsat" in rcs and "cbc " in rcs
    assert "\ncpsat " not in rcs and "tcs_list" not in rcs and "cbc_compact" not in rcs
    head = subprocess.run(f"{sys.executable} -m schedbench list solvers | head -1", shell=True,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert head.stdout.strip() and "error" not in head.stderr, head.stderr
