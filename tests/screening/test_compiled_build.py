"""The screening modules compiled with mypyc (`openatt lists compile`, issue 16): used only
where they were compiled from the installed sources, and screening the same as the plain
modules, byte for byte."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from openatt.screening import ListStore, compiled

# Which modules a process imported, and from where, after screening the queries' file.
_SCRIPT = """
import json, sys
from openatt.cli.main import main
from openatt.screening import compiled
try:
    main()
except SystemExit as stop:
    code = stop.code
from openatt.screening import scoring, matcher
build = compiled.active()
print(json.dumps({"code": code, "build": build and build.digest,
                  "files": [scoring.__file__, matcher.__file__]}), file=sys.stderr)
"""


def _run(env: dict[str, str], *args: str) -> tuple[str, dict[str, object]]:
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT, *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
    )
    report = json.loads(done.stderr.strip().splitlines()[-1])
    assert report["code"] in (0, None), done.stderr
    return done.stdout, report


def test_the_digest_names_every_module_and_changes_with_any_of_them(tmp_path: Path) -> None:
    package = tmp_path / "screening"
    shutil.copytree(compiled.package_dir(), package)
    assert compiled.source_digest(package) == compiled.source_digest()
    for module in compiled.MODULES:
        path = package / f"{module}.py"
        text = path.read_text("utf-8")
        path.write_text(text + "\n", "utf-8")
        assert compiled.source_digest(package) != compiled.source_digest(), module
        path.write_text(text, "utf-8")
    assert compiled.source_digest(package) == compiled.source_digest()


def test_a_build_of_other_sources_or_an_incomplete_one_is_not_used(tmp_path: Path) -> None:
    digest = compiled.source_digest()
    folder = tmp_path / digest
    (folder / "openatt" / "screening").mkdir(parents=True)
    assert compiled.current_build(tmp_path) is None  # no manifest
    (folder / compiled.MANIFEST).write_text(json.dumps({"digest": "another"}), "utf-8")
    assert compiled.current_build(tmp_path) is None  # made from other sources
    (folder / compiled.MANIFEST).write_text(json.dumps({"digest": digest}), "utf-8")
    assert compiled.current_build(tmp_path) is None  # no module in it
    for module in compiled.MODULES:
        compiled.Build(folder, digest).module_path(module).write_bytes(b"")
    assert compiled.current_build(tmp_path) == compiled.Build(folder, digest)


def test_off_means_off_and_a_folder_is_taken_as_given(monkeypatch: pytest.MonkeyPatch) -> None:
    for value in ("off", "OFF", "0", "no", "false"):
        monkeypatch.setenv("OPENATT_COMPILED", value)
        assert compiled.builds_root() is None
    monkeypatch.setenv("OPENATT_COMPILED", "/srv/openatt-builds")
    assert compiled.builds_root() == Path("/srv/openatt-builds")
    monkeypatch.delenv("OPENATT_COMPILED")
    monkeypatch.setenv("XDG_CACHE_HOME", "/var/cache/me")
    assert compiled.builds_root() == Path("/var/cache/me/openatt/compiled")


def _toolchain() -> str | None:
    """Why mypyc cannot compile here, or None."""
    if shutil.which(os.environ.get("CC", "cc")) is None and shutil.which("gcc") is None:
        return "no C compiler"
    if not (Path(sysconfig.get_paths()["include"]) / "Python.h").is_file():
        return "no Python headers (Python.h)"
    try:
        import mypyc  # noqa: F401
    except ImportError:
        return "mypyc is not installed (the dev extra)"
    return None


def test_compiled_modules_screen_byte_for_byte_as_the_sources_do(
    tmp_path: Path, lists_dir: Path
) -> None:
    """Compiles the seven modules for real (about 30 CPU-seconds), then screens the same
    file of parties with and without them, in processes of their own, on two workers."""
    missing = _toolchain()
    if missing:
        pytest.skip(f"cannot compile with mypyc here: {missing}")
    builds = tmp_path / "builds"
    home = tmp_path / "home"
    store = ListStore(home / "lists")
    for relative in ("un-sc-consolidated/consolidated.xml", "canada-sema/sema-lmes.xml"):
        store.import_file(lists_dir / relative)
    queries = tmp_path / "parties.csv"
    rows = ["name,birth_date,country"]
    rows += [
        "Emraan Ali,,",
        "Wassilij Petrowitsch Umnow,,",
        "Fatemeh Rezaei,,IRN",
        "ALI Emraan,1981,",
        "Kim Jong Un,,PRK",
        "Jane Smith,1970-01-01,GBR",
        "Korea Mining Development Trading Corporation,,",
        "Ahmad Zia Agha,,AFG",
    ] * 40  # 320 rows: more than one chunk of the batch
    queries.write_text("\n".join(rows) + "\n", "utf-8")
    build = compiled.compile_into(builds)
    assert build.complete() and build.digest == compiled.source_digest()
    args = ("screen", "--file", str(queries), "--format", "json", "--workers", "2")
    base = {"OPENATT_HOME": str(home)}
    plain, plain_report = _run({**base, "OPENATT_COMPILED": "off"}, *args)
    fast, fast_report = _run({**base, "OPENATT_COMPILED": str(builds)}, *args)
    assert plain_report["build"] is None
    assert all(str(f).endswith(".py") for f in plain_report["files"])  # type: ignore[attr-defined]
    assert fast_report["build"] == build.digest
    assert all(str(f).startswith(str(build.folder)) for f in fast_report["files"])  # type: ignore[attr-defined]
    assert fast == plain
    assert sum(len(r["hits"]) for r in json.loads(plain)["results"]) > 40
    # a build whose manifest names other sources is never loaded
    manifest = build.folder / compiled.MANIFEST
    manifest.write_text(json.dumps({"digest": "made-from-other-sources"}), "utf-8")
    stale, stale_report = _run({**base, "OPENATT_COMPILED": str(builds)}, *args)
    assert stale_report["build"] is None and stale == plain
