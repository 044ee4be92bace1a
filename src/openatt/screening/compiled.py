"""The screening modules compiled with mypyc: an optional build, used only where it is the
compilation of the very sources installed.

Screening a batch spends its time in a few dozen small Python and numpy calls per query
(docs/screening.md). Compiled by mypyc, the seven modules that hold them take about 1.16
times less CPU for byte-identical output (``benchmarks/screening_mypyc.py``), which is what
separates the plain package from 5,000 names a second on two cores (issue 16).

openatt installs as plain Python. ``openatt lists compile``, or the first ``openatt lists
import`` of a version of openatt, builds the compiled modules (they need the ``compile``
extra, part of ``all``: mypyc and the stubs it checks against; and a C compiler with Python's
headers) into a folder named by the digest of the sources they were compiled from
(:func:`source_digest`: every source of the package, the edits below and the interpreter's
extension suffix). A compile that failed is noted there (:func:`note_failure`), so that
imports do not try again. At import,
:func:`activate` looks for the folder of the installed sources' digest, and only that one:
after any change of a source, a build made before it is never loaded, and screening runs as
plain Python until it is compiled again. ``OPENATT_COMPILED=off`` turns it off;
``OPENATT_COMPILED=FOLDER`` keeps builds in FOLDER instead of ``~/.cache/openatt/compiled``.
"""

from __future__ import annotations

import contextlib
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
from typing import Any, Literal

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


NO_MYPYC = (
    "mypyc is not installed: pip install 'openatt[compile]' (or -e '.[compile]' in a checkout;"
    " mypyc comes with mypy, and its build needs setuptools)"
)


def mypyc_installed() -> bool:
    """mypyc and setuptools, which mypyc's build imports (Python 3.12's virtualenvs, and
    uv's, come without it: found in review)."""
    try:
        return all(importlib.util.find_spec(name) is not None for name in ("mypyc", "setuptools"))
    except ImportError:
        return False


class CompileError(Exception):
    """The compiled modules could not be built; the message says why and what to do."""


def package_dir() -> Path:
    return Path(__file__).resolve().parent


# The third-party packages whose types mypyc compiles checks against: a build is used only
# with the versions it was compiled with (checked when the first compiled module is imported,
# when screening imports them anyway).
CHECKED_PACKAGES = ("numpy", "rapidfuzz")


def source_digest(package: Path | None = None) -> str:
    """What a build is the compilation of: every source of the ``openatt`` package (mypyc
    compiles the seven modules against the types of the modules they import, in the whole
    package), the edits made to them and the interpreter's extension suffix (its version
    and platform). About 20 ms."""
    root = (package or package_dir()).parent
    digest = hashlib.sha256(f"{_SUFFIX}\n{EDITS!r}\n".encode())
    for path in sorted(root.rglob("*.py")):
        digest.update(f"{path.relative_to(root).as_posix()}\n".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:20]


_OFF = ("off", "0", "no", "false")
_DEFAULT = ("", "on", "1", "yes", "true", "default")


def builds_root() -> Path | None:
    """Where builds are kept (``OPENATT_COMPILED``), or None when turned off. A relative
    folder is refused (it would depend on the working folder): ValueError."""
    chosen = os.environ.get("OPENATT_COMPILED", "").strip()
    if chosen.lower() in _OFF:
        return None
    if chosen.lower() not in _DEFAULT:
        folder = Path(chosen).expanduser()
        if not folder.is_absolute():
            raise ValueError(f"OPENATT_COMPILED: give an absolute folder, not {chosen!r}")
        return folder
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "openatt" / "compiled"


@dataclass(frozen=True)
class Build:
    """A compiled build of one digest of the sources."""

    folder: Path
    digest: str

    def module_path(self, module: str) -> Path:
        return self.folder / "openatt" / "screening" / f"{module}{_SUFFIX}"

    def manifest(self) -> dict[str, Any]:
        try:
            found = json.loads((self.folder / MANIFEST).read_text("utf-8"))
        except (OSError, ValueError):
            return {}
        return found if isinstance(found, dict) else {}

    def complete(self) -> bool:
        """The manifest names this digest, and every file it lists is there, of its size."""
        manifest = self.manifest()
        files = manifest.get("files")
        if manifest.get("digest") != self.digest or not isinstance(files, dict):
            return False
        wanted = {f"openatt/screening/{m}{_SUFFIX}" for m in MODULES}
        if not wanted <= set(files):
            return False
        try:
            return all((self.folder / name).stat().st_size == size for name, size in files.items())
        except OSError:
            return False


def current_build(root: Path | None = None) -> Build | None:
    """The build of the installed sources, if one was made (and not turned off)."""
    base = root if root is not None else builds_root()
    if base is None:
        return None
    digest = source_digest()
    build = Build(base / digest, digest)
    return build if build.complete() else None


def _versions() -> dict[str, str]:
    import numpy
    import rapidfuzz

    return {"numpy": numpy.__version__, "rapidfuzz": rapidfuzz.__version__}


class _Finder(importlib.abc.MetaPathFinder):
    """Finds the compiled modules of one build, by their full names, before the sources.
    Before the first of them is imported, it checks that the build is still there and was
    made against the installed numpy and rapidfuzz; if not, it steps aside (the plain
    modules are imported) as long as none of the build's modules was imported yet."""

    def __init__(self, build: Build) -> None:
        self.build = build
        self.names = {f"{PACKAGE}.{m}": build.module_path(m) for m in MODULES}
        # mypyc's runtime of the group, one library at the top of the build folder, is found
        # here too, not on sys.path: every build's runtime has the same name (mypyc derives
        # it from the modules' names), and a library of that name earlier on the path (a
        # checkout's own mypyc run) was loaded instead (found in review, 2026-12-06)
        for runtime in build.folder.glob(f"*__mypyc{_SUFFIX}"):
            self.names[runtime.name.removesuffix(_SUFFIX)] = runtime
        self.checked = False

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        found = self.names.get(fullname)
        if found is None:
            return None
        if not self.checked:
            usable = self.build.complete() and self.build.manifest().get("versions") == _versions()
            if not usable and not any(name in sys.modules for name in self.names):
                self.remove()
                return None
            self.checked = True
        if not found.is_file():
            # the build was removed after this process imported some of it: the rest is
            # imported from the sources (which compute the same), not an ImportError
            return None
        return importlib.util.spec_from_file_location(fullname, found)

    def remove(self) -> None:
        if self in sys.meta_path:
            sys.meta_path.remove(self)


def active() -> Build | None:
    """The build whose modules this process imports, if any."""
    return next((f.build for f in sys.meta_path if isinstance(f, _Finder)), None)


def activate() -> Build | None:
    """Import the screening modules from the build of the installed sources, when there is
    one (called once, when ``openatt.screening`` is imported). Nothing changes otherwise;
    nor when one of the modules was imported already, or mypy_extensions (which the compiled
    modules import) is not installed. Never raises: anything unexpected (no home folder to
    find the builds in, sources shipped without their ``.py`` files, an unreadable build)
    leaves the plain modules in place."""
    found = active()
    if found is not None:
        return found
    if any(f"{PACKAGE}.{m}" in sys.modules for m in MODULES):
        return None
    try:
        build = current_build()
        if build is None or importlib.util.find_spec("mypy_extensions") is None:
            return None
        finder = _Finder(build)
    except Exception:  # screening must run, compiled or not
        return None
    sys.meta_path.insert(0, finder)
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


_SMOKE = """
import sys
from openatt.screening import compiled
from openatt.screening import index, matcher, scoring
assert compiled.active() is not None and scoring.__file__.endswith(sys.argv[1]), scoring.__file__
assert matcher.Matcher.algorithm == scoring.ALGORITHM, matcher.Matcher.algorithm
"""


# mypyc's warnings that change how much is held at once, not what is computed: a generator
# passed to a call is built as a list first (the index's records of an in-memory list, the
# batch's distinct tokens), then read in the same order.
_SAME_RESULT_WARNINGS = ("warning: Treating generator comprehension as list",)


def compile_into(root: Path | None = None, *, log: Path | None = None) -> Build:
    """Compile the installed sources with mypyc into the folder of their digest under
    ``root`` (:func:`builds_root` by default) and return the build (the one there already,
    when it is complete). The build is made in a scratch folder, imported there by a new
    process, and only then moved into place whole; compiles into one root take turns (a
    lock file). mypyc's warnings fail the build: each marks code it compiles otherwise than
    Python runs it (a class attribute it made an instance one, found in review)."""
    import fcntl
    import subprocess
    import tempfile

    base = root if root is not None else builds_root()
    if base is None:
        raise CompileError("OPENATT_COMPILED is off: set it to a folder, or unset it")
    if not mypyc_installed():
        raise CompileError(NO_MYPYC)
    package = package_dir()
    digest = source_digest(package)
    target = Build(base / digest, digest)
    try:
        base.mkdir(parents=True, exist_ok=True)
        with (base / ".lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if target.complete():
                return target
            with tempfile.TemporaryDirectory(prefix="openatt-mypyc-", dir=base) as scratch:
                staged = _build(Path(scratch), package, digest, log, subprocess.run)
                if target.folder.exists():  # an incomplete build: replaced
                    shutil.rmtree(target.folder)
                staged.rename(target.folder)
    except OSError as error:
        raise CompileError(f"cannot write the build under {base}: {error}") from error
    if not target.complete():  # pragma: no cover - a build moved into place is complete
        raise CompileError(f"the build in {target.folder} is incomplete")
    return target


def _build(work: Path, package: Path, digest: str, log: Path | None, run: Any) -> Path:
    """Compile in ``work``, check the result in a new process, and return the staged build."""
    edited_copy(work, package.parent)
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    (work / "mypy.ini").write_text(MYPY_INI.format(version=version), "utf-8")
    # mypyc copies what it built next to the sources' module path, from the working folder
    (work / "openatt" / "screening").mkdir(parents=True)
    command = [sys.executable, "-m", "mypyc", "--config-file", "mypy.ini"]
    command += [f"src/openatt/screening/{m}.py" for m in MODULES]
    done = run(command, cwd=work, capture_output=True, text=True, check=False)
    output = done.stdout + done.stderr
    if log is not None:
        log.write_text(output, "utf-8")
    built = next((work / "build").glob("lib.*"), None)
    warnings = [
        line
        for line in output.splitlines()
        if ": warning:" in line and not line.endswith(_SAME_RESULT_WARNINGS)
    ]
    if done.returncode != 0 or built is None or warnings:
        tail = "\n".join((warnings or output.strip().splitlines())[-15:])
        raise CompileError(f"mypyc failed (exit {done.returncode}):\n{tail}")
    staged = work / "staged"
    (staged / "openatt" / "screening").mkdir(parents=True)
    for library in built.glob(f"*{_SUFFIX}"):  # the group's runtime
        shutil.copy(library, staged)
    for module in MODULES:
        shutil.copy(
            built / "openatt" / "screening" / f"{module}{_SUFFIX}", staged / "openatt" / "screening"
        )
    files = {
        path.relative_to(staged).as_posix(): path.stat().st_size
        for path in sorted(staged.rglob(f"*{_SUFFIX}"))
    }
    manifest = {
        "digest": digest,
        "modules": list(MODULES),
        "files": files,
        "versions": _versions(),
        "python": sys.version,
    }
    (staged / MANIFEST).write_text(json.dumps(manifest, indent=2), "utf-8")
    # the build as it will be used: imported by a new process, from a root of its own
    trial = work / "trial"
    trial.mkdir()
    (staged).rename(trial / digest)
    env = {**os.environ, "OPENATT_COMPILED": str(trial), "PYTHONPATH": str(package.parent.parent)}
    smoke = run(
        [sys.executable, "-c", _SMOKE, f"{digest}/openatt/screening/scoring{_SUFFIX}"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if smoke.returncode != 0:
        tail = "\n".join((smoke.stdout + smoke.stderr).strip().splitlines()[-8:])
        raise CompileError(f"the compiled modules do not import as built:\n{tail}")
    return trial / digest


def _failure_note(root: Path, digest: str | None = None) -> Path:
    return root / f"failed-{digest or source_digest()}.txt"


def failed_before(root: Path, digest: str | None = None) -> bool:
    """Whether a compile of the installed sources failed under ``root`` (:func:`note_failure`):
    `openatt lists import` then does not try again on every import (without a C compiler,
    mypyc fails after its type check, a quarter of a minute each time)."""
    return _failure_note(root, digest).is_file()


@dataclass(frozen=True)
class State:
    """Whether screening runs compiled and, if not, why: ``why`` is ``off`` (turned off or
    misconfigured: ``detail`` says which), ``no-mypyc``, ``failed`` (a compile of these
    sources failed before) or ``not-compiled``; ``None`` when ``build`` is used. What
    `openatt lists status` reports and what `openatt lists import` decides on."""

    root: Path | None
    build: Build | None
    why: Literal["off", "no-mypyc", "failed", "not-compiled"] | None
    detail: str = ""


def state() -> State:
    try:
        root = builds_root()
    except ValueError as error:
        return State(None, None, "off", str(error))
    if root is None:
        return State(None, None, "off", "OPENATT_COMPILED is off")
    digest = source_digest()  # about 20 ms: once here
    build = Build(root / digest, digest)
    if build.complete():
        return State(root, build, None)
    if not mypyc_installed():
        return State(root, None, "no-mypyc")
    if failed_before(root, digest):
        return State(root, None, "failed")
    return State(root, None, "not-compiled")


def note_failure(root: Path, error: CompileError) -> None:
    """Remember why the installed sources did not compile; a later success forgets it."""
    with contextlib.suppress(OSError):
        root.mkdir(parents=True, exist_ok=True)
        _failure_note(root).write_text(f"{error}\n", "utf-8")


def forget_failure(root: Path) -> None:
    _failure_note(root).unlink(missing_ok=True)


def remove_builds(root: Path) -> list[Path]:
    """Delete the builds under ``root`` (folders holding a manifest) and what interrupted
    compiles left there; nothing else in ``root`` is touched. Returns what was deleted."""
    import fcntl

    removed: list[Path] = []
    if not root.is_dir():
        return removed
    # after a compile running into ``root`` ends (it holds the lock file, made by the first
    # compile there): its scratch folder is not taken for what an interrupted one left
    # (found in review, 2026-12-06)
    with contextlib.ExitStack() as held:
        with contextlib.suppress(FileNotFoundError):
            fcntl.flock(held.enter_context((root / ".lock").open("r")), fcntl.LOCK_EX)
        for child in sorted(root.iterdir()):
            build = child.is_dir() and (child / MANIFEST).is_file()
            leftover = child.is_dir() and child.name.startswith("openatt-mypyc-")
            if build or leftover:
                shutil.rmtree(child)
                removed.append(child)
            elif child.is_file() and child.name.startswith("failed-"):
                child.unlink()
                removed.append(child)
    return removed
