"""How the binding finds libtrigrt (each case in a fresh interpreter) and the bundling hook."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
import textwrap
import zipfile

import pytest

from conftest import BINDING, LIBRARY, SRC

PROBE = "import trigrt; v = trigrt.version(); print(trigrt.library_path()); print(v)"


def _env(**overrides):
    env = {k: v for k, v in os.environ.items() if k not in ("TRIGRT_LIBRARY", "LD_LIBRARY_PATH", "PYTHONPATH")}
    env.update({k: v for k, v in overrides.items() if v is not None})
    return env


def _python(code, pythonpath=SRC, cwd=None, **env):
    return subprocess.run([sys.executable, "-c", code], env=_env(PYTHONPATH=pythonpath, **env), cwd=cwd,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def no_system_library():
    import ctypes.util

    if ctypes.util.find_library("trigrt"):
        pytest.skip("a libtrigrt is installed system-wide; the not-found cases cannot be tested here")


def test_env_variable(no_system_library):
    r = _python(PROBE, TRIGRT_LIBRARY=LIBRARY)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0] == LIBRARY


def test_env_variable_pointing_nowhere_is_not_silently_ignored(tmp_path):
    r = _python(PROBE, TRIGRT_LIBRARY=str(tmp_path / "libtrigrt.so"), LD_LIBRARY_PATH=os.path.dirname(LIBRARY))
    assert r.returncode != 0
    assert "LibraryError" in r.stderr and "$TRIGRT_LIBRARY" in r.stderr and str(tmp_path) in r.stderr


def test_explicit_path_wins_over_env(tmp_path):
    code = f"import trigrt; print(trigrt.load_library({LIBRARY!r})); print(trigrt.library_path())"
    r = _python(code, TRIGRT_LIBRARY=str(tmp_path / "nothing.so"))
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == [LIBRARY, LIBRARY]


def test_switching_libraries_is_refused(tmp_path):
    other = tmp_path / "libtrigrt-copy.so"
    shutil.copyfile(os.path.realpath(LIBRARY), other)
    code = textwrap.dedent(f"""
        import trigrt
        trigrt.load_library({LIBRARY!r})
        trigrt.load_library({LIBRARY!r})          # same file again: fine
        try:
            trigrt.load_library({str(other)!r})
        except trigrt.LibraryError as e:
            print("refused:", e)
        """)
    r = _python(code)
    assert r.returncode == 0, r.stderr
    assert "refused: libtrigrt is already loaded" in r.stdout


def test_default_loader_path(no_system_library):
    r = _python(PROBE, LD_LIBRARY_PATH=os.path.dirname(LIBRARY))
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0] in ("libtrigrt.so.0", "libtrigrt.so")


def test_not_found_lists_everything_tried(no_system_library, tmp_path):
    r = _python("import trigrt; trigrt.Model('x.onnx')", cwd=tmp_path)
    assert r.returncode != 0
    for part in ("libtrigrt not found", "$TRIGRT_LIBRARY: not set", "bundled in the package",
                 "find_library", "libtrigrt.so.0", "trigrt.load_library(path)"):
        assert part in r.stderr, (part, r.stderr)
    # importing alone does not need the library
    assert _python("import trigrt").returncode == 0


def test_bundled_library_is_found_without_env(no_system_library, tmp_path):
    # run the build hook (setup.py build_py) with TRIGRT_LIBRARY set, then import the built tree
    pytest.importorskip("setuptools", reason="setuptools is needed to run the build hook")
    src = tmp_path / "src"  # a copy, so that setuptools' egg-info does not land in the source tree
    shutil.copytree(BINDING, src, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__", "libtrigrt.so*",
                                                                 ".pytest_cache"))
    build = tmp_path / "build"
    r = subprocess.run([sys.executable, "setup.py", "-q", "build_py", "--build-lib", str(build)], cwd=src,
                       env=_env(TRIGRT_LIBRARY=LIBRARY), capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    bundled = build / "trigrt" / "libtrigrt.so"
    assert bundled.is_file() and bundled.stat().st_size == os.path.getsize(os.path.realpath(LIBRARY))
    r = _python(PROBE, pythonpath=str(build))
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0] == str(bundled)
    # $TRIGRT_LIBRARY still comes first
    r = _python(PROBE, pythonpath=str(build), TRIGRT_LIBRARY=LIBRARY)
    assert r.stdout.splitlines()[0] == LIBRARY


def _fake_library(tmp_path, abi, omit=()):
    cc = shutil.which("cc") or shutil.which("gcc")
    if not cc:
        pytest.skip("no C compiler to build a fake library")
    from trigrt._lib import _PROTOTYPES

    lines = ["#include <stdint.h>"]
    for name in _PROTOTYPES:
        if name in omit:
            continue
        body = f"return {abi};" if name == "trigrt_abi_version" else "return 0;"
        lines.append(f"long {name}(void) {{ {body} }}")
    src = tmp_path / "fake.c"
    src.write_text("\n".join(lines) + "\n")
    out = tmp_path / f"libfake{abi}{len(omit)}.so"
    subprocess.run([cc, "-shared", "-fPIC", "-o", str(out), str(src)], check=True, capture_output=True)
    return str(out)


def test_other_abi_version_is_refused(tmp_path):
    fake = _fake_library(tmp_path, abi=2)
    r = _python(PROBE, TRIGRT_LIBRARY=fake)
    assert r.returncode != 0
    assert "ABI version 2" in r.stderr and "ABI version 1" in r.stderr and fake in r.stderr


def test_a_library_missing_symbols_is_refused(tmp_path):
    fake = _fake_library(tmp_path, abi=1, omit=("trigrt_session_run_f64",))
    r = _python(PROBE, TRIGRT_LIBRARY=fake)
    assert r.returncode != 0 and "does not export trigrt_session_run_f64" in r.stderr


@pytest.mark.skipif(not os.environ.get("TRIGRT_TEST_PIP"), reason="set TRIGRT_TEST_PIP=1 to build a wheel with pip "
                    "(needs setuptools from the package index)")
def test_pip_wheel_bundles_the_library(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(BINDING, src, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__", "libtrigrt.so*"))
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path / "w"), str(src)],
                       env=_env(TRIGRT_LIBRARY=LIBRARY), capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    (wheel,) = glob.glob(str(tmp_path / "w" / "*.whl"))
    assert os.path.basename(wheel).endswith("-py3-none-linux_x86_64.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "trigrt/libtrigrt.so" in names and "trigrt/_model.py" in names
    target = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(target)
    os.chmod(target / "trigrt" / "libtrigrt.so", 0o755)
    r = _python(PROBE, pythonpath=str(target))
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0] == str(target / "trigrt" / "libtrigrt.so")
