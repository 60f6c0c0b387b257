"""Build hook: bundle libtrigrt into the package when TRIGRT_LIBRARY is set at build time, else
record the `make install` prefix it finds.

    TRIGRT_LIBRARY=/path/to/prefix/lib/libtrigrt.so pip install ./bindings/python

copies that file (symlinks resolved) to trigrt/libtrigrt.so inside the installed package, where
trigrt finds it at run time without any environment variable; the wheel is then tagged for this
platform. Without TRIGRT_LIBRARY the package is pure Python and finds the library at run time
($TRIGRT_LIBRARY, prefix lib directories, ctypes.util.find_library, the loader path); the prefix
it records in trigrt/_install.py (tried at run time after $TRIGRT_PREFIX) is $TRIGRT_PREFIX if
set at build time, else the repository's own `make prefix` tree (.build-dist/prefix) if it holds
the library. All metadata is in pyproject.toml.
"""

import os
import shutil

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.dist import Distribution


def _library_to_bundle():
    path = os.environ.get("TRIGRT_LIBRARY")
    if not path:
        return None
    path = os.path.realpath(path)
    if not os.path.isfile(path):
        raise SystemExit(f"TRIGRT_LIBRARY={os.environ['TRIGRT_LIBRARY']} is not a file; unset it to build "
                         f"without a bundled library")
    return path


_HERE = os.path.dirname(os.path.abspath(__file__))


def _prefix_to_record():
    env = os.environ.get("TRIGRT_PREFIX")
    if env:
        return os.path.abspath(env)
    repo_prefix = os.path.join(os.path.dirname(os.path.dirname(_HERE)), ".build-dist", "prefix")
    if os.path.exists(os.path.join(repo_prefix, "lib", "libtrigrt.so.0")):
        return repo_prefix
    return None


class BuildPy(build_py):
    def run(self):
        super().run()
        prefix = _prefix_to_record()
        with open(os.path.join(self.build_lib, "trigrt", "_install.py"), "w") as f:
            f.write('"""Written by setup.py when the package was built: the trigrt install prefix it found."""\n')
            f.write(f"PREFIX = {prefix!r}\n")
        lib = _library_to_bundle()
        if lib:
            dest = os.path.join(self.build_lib, "trigrt", "libtrigrt.so")
            self.announce(f"bundling {lib} as {dest}", level=2)
            shutil.copyfile(lib, dest)
            os.chmod(dest, 0o755)


class MaybeBinaryDistribution(Distribution):
    """A bundled shared library makes the wheel platform-specific."""

    def has_ext_modules(self):
        return _library_to_bundle() is not None


cmdclass = {"build_py": BuildPy}
try:  # setuptools >= 70.1 carries bdist_wheel; older ones use the wheel package's
    from setuptools.command.bdist_wheel import bdist_wheel as _bdist_wheel
except ImportError:
    try:
        from wheel.bdist_wheel import bdist_wheel as _bdist_wheel
    except ImportError:
        _bdist_wheel = None

if _bdist_wheel is not None:
    class BdistWheel(_bdist_wheel):
        """ctypes loads the bundled library: any Python 3 on this platform can use the wheel."""

        def get_tag(self):
            python, abi, plat = super().get_tag()
            return ("py3", "none", plat) if _library_to_bundle() else (python, abi, plat)

    cmdclass["bdist_wheel"] = BdistWheel

setup(cmdclass=cmdclass, distclass=MaybeBinaryDistribution)
