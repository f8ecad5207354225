"""Index build folders: each build written into a fresh folder, published by one atomic rename.

What it does: names a new build folder after the time and the writing process
(`build-20261123T030339-12330-810350`), points the `current` link at a finished build in one
atomic `os.replace`, and then removes older builds, including orphans whose writer died
mid-write; a build another live process is still writing is left alone.

What it does not do: write the index files (that is `qa.index.build`).
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

CURRENT = "current"


def new_build(index_dir: Path) -> Path:
    """A fresh, empty build folder named after the time and this process."""
    index_dir.mkdir(parents=True, exist_ok=True)
    build = index_dir / f"build-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{time.time_ns() % 10**6}"
    build.mkdir()
    return build


def publish(index_dir: Path, build: Path) -> None:
    """Point `current` at the new build in one atomic rename, then remove older builds."""
    link = index_dir / CURRENT
    tmp = index_dir / f".{CURRENT}-{os.getpid()}"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    tmp.symlink_to(build.name)
    os.replace(tmp, link)
    for old in index_dir.glob("build-*"):
        if old != build and not in_progress(old):
            shutil.rmtree(old, ignore_errors=True)


def in_progress(build: Path) -> bool:
    """Whether another live process is still writing this build (its pid is in the folder name);
    a build whose process died (killed mid-write) is an orphan and goes on the next publish."""
    if (build / "manifest.json").exists():
        return False
    parts = build.name.split("-")
    try:
        pid = int(parts[2])
    except (IndexError, ValueError):
        return time.time() - build.stat().st_mtime < 3600  # a name without a pid: keep it an hour
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
