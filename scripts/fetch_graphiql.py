"""Fetch GraphiQL's assets from the npm registry into crowdgraph/graphiql/static/.

The versions and files are those pinned in ``crowdgraph.graphiql`` (PACKAGES, FILES). To refresh:
change the versions there, run ``.venv/bin/python scripts/fetch_graphiql.py`` (it needs ``npm``),
update the versions in crowdgraph/graphiql/README.md, then run tests/test_graphiql_browser.py.
Each package's folder is replaced whole: its chosen files and its LICENSE, nothing else.
"""

from __future__ import annotations

import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

from crowdgraph.graphiql import FILES, PACKAGES, STATIC, folder, local_name


def fetch(package: str, version: str, workdir: Path) -> Path:
    """``npm pack package@version`` (npm checks the tarball's integrity); the tarball's path."""
    found = subprocess.run(
        ["npm", "pack", "--silent", f"{package}@{version}"],
        cwd=workdir,
        check=True,
        capture_output=True,
        text=True,
    )
    return workdir / found.stdout.strip().splitlines()[-1]


def unpack(tarball: Path, package: str) -> None:
    """Copy the package's chosen files and its LICENSE into its versioned folder under static/."""
    target = STATIC / folder(package)
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    with tarfile.open(tarball) as archive:
        for path in (*FILES[package], "LICENSE"):
            member = archive.extractfile(f"package/{path}")
            if member is None:
                raise SystemExit(f"{package}: {path} is not a file in {tarball.name}")
            (STATIC / local_name(package, path)).write_bytes(member.read())


def main() -> None:
    STATIC.mkdir(exist_ok=True)
    wanted = {folder(package) for package in PACKAGES}
    for stale in STATIC.iterdir():
        if stale.name not in wanted:
            shutil.rmtree(stale)
    with tempfile.TemporaryDirectory() as workdir:
        for package, version in PACKAGES.items():
            unpack(fetch(package, version, Path(workdir)), package)
            print(f"{package}@{version} -> {STATIC / folder(package)}")


if __name__ == "__main__":
    main()
