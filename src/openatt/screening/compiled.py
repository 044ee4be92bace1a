"""The screening modules compiled with mypyc: an optional build, used only where it is the
compilation of the very sources installed.

Screening a batch spends its time in a few dozen small Python and numpy calls per query
(docs/screening.md). Compiled by mypyc, the seven modules that hold them take about 1.16
times less CPU for byte-identical output (``benchmarks/screening_mypyc.py``), which is what
separates the plain package from 5,000 names a second on two cores (issue 16).

openatt installs as plain Python; ``openatt lists compile`` builds the compiled modules (it
needs mypy, from the ``dev`` extra, and a C compiler with Python's headers) into a folder
named by the digest of the sources they were compiled from (:func:`source_digest`: the
seven modules' text, the edits below and the interpreter's extension suffix). At import,
:func:`activate` looks for the folder of the installed sources' digest, and only that one:
after any change of a source, a build made before it is never loaded, and screening runs as
plain Python until it is compiled again. ``OPENATT_COMPILED=off`` turns it off;
``OPENATT_COMPILED=FOLDER`` keeps builds in FOLDER instead of ``~/.cache/openatt/compiled``.
"""

from __future__ import annotations

import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

PACKAGE = "openatt.screening"
# The modules with most of a query's Python: scoring, token rules, romanisation, the
# matcher's loop, the index, the JSON writer and the script check.
MODULES: tuple[str, ...] = (
    "scoring",
    "normalise",
    "romanise",
    "matcher",
    "index",
    "batch_json",
    "scripts",
)
_IMPORT = "from __future__ import annotations\n\nfrom mypy_extensions import mypyc_attr\n"


def _native(text: str) -> tuple[str, str]:
    """The edit that keeps the class starting with ``text`` a Python class."""
    return text, "@mypyc_attr(native_class=False)\n" + text


# (module, text, replacement), made to a copy of the sources before mypyc compiles it; none
# changes a result (tests/screening/test_mypyc_experiment.py runs the edited copy as Python
# and finds the same scores bit for bit). mypyc checks annotations at run time and compiles
# classes to native ones: the YAML rules are a dict of dicts, not of lists; `sum` of floats
# needs a float start (0.0 + x is x, as 0 + x is); and classes that are pickled (queries and
# hits go to and from the workers, the build's chunks come back from its processes) stay
# Python classes, since a frozen dataclass compiled natively cannot be unpickled.
EDITS: tuple[tuple[str, str, str], ...] = (
    ("normalise", "def _rules() -> dict[str, list[object]]:", "def _rules() -> dict[str, Any]:"),
    ("normalise", "loaded: dict[str, list[object]] =", "loaded: dict[str, Any] ="),
    ("normalise", "import functools\n", "import functools\nfrom typing import Any\n"),
    ("scoring", "for j in used_c])", "for j in used_c], 0.0)"),
    ("scoring", "if i not in used_q]\n", "if i not in used_q], 0.0\n"),
    ("scoring", "for j, w in enumerate(c_weights)]\n", "for j, w in enumerate(c_weights)], 0.0\n"),
    ("scoring", "from __future__ import annotations\n", _IMPORT),
    ("scoring", *_native("@dataclass(frozen=True, slots=True)\nclass Query")),
    ("scoring", *_native("@dataclass(slots=True)\nclass NameMatch")),
    ("matcher", "from __future__ import annotations\n", _IMPORT),
    ("matcher", *_native("@dataclass(slots=True)\nclass Hit")),
    ("matcher", *_native("class _JsonLines")),
    ("index", "from __future__ import annotations\n", _IMPORT),
    ("index", *_native("@dataclass(slots=True)\nclass _Chunk")),
)  # fmt: skip

MYPY_INI = """[mypy]
python_version = {version}
strict = True
warn_unused_ignores = False
plugins = pydantic.mypy
mypy_path = src
[mypy-pycountry.*,weasyprint.*,iuliia.*,asn1crypto.*]
ignore_missing_imports = True
"""
MANIFEST = "manifest.json"
_SUFFIX = importlib.machinery.EXTENSION_SUFFIXES[0]  # e.g. .cpython-311-x86_64-linux-gnu.so


class CompileError(Exception):
    """The compiled modules could not be built; the message says why and what to do."""


def package_dir() -> Path:
    return Path(__file__).resolve().parent


def source_digest(package: Path | None = None) -> str:
    """What a build is the compilation of: the seven modules' sources, the edits made to
    them and the interpreter's extension suffix (its version and platform)."""
    root = package or package_dir()
    digest = hashlib.sha256(f"{_SUFFIX}\n{EDITS!r}\n".encode())
    for module in MODULES:
        digest.update(f"{module}\n".encode())
        digest.update((root / f"{module}.py").read_bytes())
    return digest.hexdigest()[:20]


def builds_root() -> Path | None:
    """Where builds are kept (``OPENATT_COMPILED``), or None when turned off."""
    chosen = os.environ.get("OPENATT_COMPILED", "").strip()
    if chosen.lower() in ("off", "0", "no", "false"):
        return None
    if chosen:
        return Path(chosen).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "openatt" / "compiled"


@dataclass(frozen=True)
class Build:
    """A compiled build of one digest of the sources."""

    folder: Path
    digest: str

    def module_path(self, module: str) -> Path:
        return self.folder / "openatt" / "screening" / f"{module}{_SUFFIX}"

    def complete(self) -> bool:
        """The manifest names this digest and every module is there."""
        try:
            manifest = json.loads((self.folder / MANIFEST).read_text("utf-8"))
        except (OSError, ValueError):
            return False
        return manifest.get("digest") == self.digest and all(
            self.module_path(m).is_file() for m in MODULES
        )


def current_build(root: Path | None = None) -> Build | None:
    """The build of the installed sources, if one was made (and not turned off)."""
    base = root if root is not None else builds_root()
    if base is None:
        return None
    digest = source_digest()
    build = Build(base / digest, digest)
    return build if build.complete() else None


class _Finder(importlib.abc.MetaPathFinder):
    """Finds the compiled modules of one build, by their full names, before the sources."""

    def __init__(self, build: Build) -> None:
        self.build = build
        self.names = {f"{PACKAGE}.{m}": m for m in MODULES}

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        module = self.names.get(fullname)
        if module is None:
            return None
        return importlib.util.spec_from_file_location(fullname, self.build.module_path(module))


def active() -> Build | None:
    """The build whose modules this process imports, if any."""
    return next((f.build for f in sys.meta_path if isinstance(f, _Finder)), None)


def activate() -> Build | None:
    """Import the screening modules from the build of the installed sources, when there is
    one (called once, when ``openatt.screening`` is imported). Nothing changes otherwise;
    nor when one of the modules was imported already, or mypy_extensions (which the compiled
    modules import) is not installed."""
    found = active()
    if found is not None:
        return found
    if any(f"{PACKAGE}.{m}" in sys.modules for m in MODULES):
        return None
    build = current_build()
    if build is None or importlib.util.find_spec("mypy_extensions") is None:
        return None
    # mypyc's runtime of the group is one library at the top of the build folder
    sys.path.append(str(build.folder))
    sys.meta_path.insert(0, _Finder(build))
    return build


def edited_copy(work: Path, source: Path, edits: tuple[tuple[str, str, str], ...] = EDITS) -> Path:
    """A copy of the ``openatt`` package folder ``source`` as ``work/src/openatt``, with
    ``edits`` made; returns ``work/src``."""
    src = work / "src"
    ignored = shutil.ignore_patterns("__pycache__", "*.so", "*.pyc")
    shutil.copytree(source, src / "openatt", ignore=ignored)
    package = src / "openatt" / "screening"
    for module, old, new in edits:
        path = package / f"{module}.py"
        text = path.read_text("utf-8")
        if text.count(old) != 1:
            raise CompileError(f"{module}.py: the edit of {old!r} no longer applies")
        path.write_text(text.replace(old, new), "utf-8")
    return src


def compile_into(root: Path | None = None, *, log: Path | None = None) -> Build:
    """Compile the installed sources with mypyc into the folder of their digest under
    ``root`` (:func:`builds_root` by default) and return the build. The build is made in a
    scratch folder and moved into place whole, so a build that fails leaves nothing."""
    import subprocess
    import tempfile

    base = root if root is not None else builds_root()
    if base is None:
        raise CompileError("OPENATT_COMPILED is off: set it to a folder, or unset it")
    if importlib.util.find_spec("mypyc") is None:
        raise CompileError("mypyc is not installed: pip install -e '.[dev]' (it comes with mypy)")
    package = package_dir()
    digest = source_digest(package)
    target = Build(base / digest, digest)
    base.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="openatt-mypyc-", dir=base) as scratch:
        work = Path(scratch)
        edited_copy(work, package.parent)
        version = f"{sys.version_info.major}.{sys.version_info.minor}"
        (work / "mypy.ini").write_text(MYPY_INI.format(version=version), "utf-8")
        # mypyc copies what it built next to the sources' module path, from the working folder
        (work / "openatt" / "screening").mkdir(parents=True)
        command = [sys.executable, "-m", "mypyc", "--config-file", "mypy.ini"]
        command += [f"src/openatt/screening/{m}.py" for m in MODULES]
        done = subprocess.run(command, cwd=work, capture_output=True, text=True, check=False)
        if log is not None:
            log.write_text(done.stdout + done.stderr, "utf-8")
        built = next((work / "build").glob("lib.*"), None)
        if done.returncode != 0 or built is None:
            tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-15:])
            raise CompileError(f"mypyc failed (exit {done.returncode}):\n{tail}")
        staged = work / "staged"
        (staged / "openatt" / "screening").mkdir(parents=True)
        for library in built.glob(f"*{_SUFFIX}"):  # the group's runtime
            shutil.copy(library, staged)
        for module in MODULES:
            shutil.copy(
                built / "openatt" / "screening" / f"{module}{_SUFFIX}",
                staged / "openatt" / "screening",
            )
        manifest = {"digest": digest, "modules": list(MODULES), "python": sys.version}
        (staged / MANIFEST).write_text(json.dumps(manifest, indent=2), "utf-8")
        if target.folder.exists():
            shutil.rmtree(target.folder)
        staged.rename(target.folder)
    if not target.complete():  # pragma: no cover - a build moved into place is complete
        raise CompileError(f"the build in {target.folder} is incomplete")
    return target
