"""The SHA-256 of every file the course ships under ``data/``, checked when a file is loaded.

``data/SHA256SUMS`` lists one ``<sha256>  <path under data/>`` line per shipped file (the format of
``sha256sum``, so ``cd data && sha256sum -c SHA256SUMS`` checks them all by hand). A loader calls
``verify(path, root, chapter)``: a file whose bytes changed (a flipped bit, a half-written copy, an
accidental overwrite) raises ``DataError`` naming the file and the two ways to restore it. A
reproduce driver that writes a file on purpose calls ``record`` so the manifest follows it.

Files under ``data/`` that the manifest does not list (a student's own) are not checked.
"""

import functools
import hashlib
from pathlib import Path

MANIFEST = "SHA256SUMS"  # in the data folder
UNPACKED = ("mnist/MNIST",)  # made on first use from the shipped .gz files, never shipped (.gitignore)


class DataError(RuntimeError):
    """A data file is missing or does not match its published checksum."""


def sha256(path):
    """Hex SHA-256 of the file at ``path``."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def shipped_files(root):
    """Every file under ``root`` the manifest must list: all but the manifest and unpacked caches."""
    root = Path(root)
    skip = [root / folder for folder in UNPACKED]
    files = [p for p in root.rglob("*") if p.is_file() and p.name != MANIFEST]
    return sorted(p.relative_to(root).as_posix() for p in files if not any(s in p.parents for s in skip))


def read_manifest(root):
    """``{path under root: sha256}`` from ``root/SHA256SUMS``."""
    manifest = Path(root) / MANIFEST
    if not manifest.is_file():
        raise DataError(f"{manifest} is missing: restore it with `git checkout -- {_shown(manifest, root)}`")
    status = manifest.stat()
    return dict(_parse_manifest(str(manifest), status.st_mtime_ns, status.st_size))


@functools.lru_cache(maxsize=8)
def _parse_manifest(manifest, mtime, size):
    entries = []
    for number, line in enumerate(Path(manifest).read_text().splitlines(), 1):
        digest, _, name = line.partition("  ")
        if len(digest) != 64 or not name:
            raise DataError(f"{manifest}, line {number}: not `<sha256>  <path>`: restore it with `git checkout`")
        entries.append((name, digest))
    return tuple(entries)


def write_manifest(root, digests):
    """Write ``{path under root: sha256}`` to ``root/SHA256SUMS``, sorted by path."""
    lines = "".join(f"{digests[name]}  {name}\n" for name in sorted(digests))
    (Path(root) / MANIFEST).write_text(lines)


def record(paths, root):
    """After writing ``paths`` (files under ``root``) on purpose: put their SHA-256 in the manifest
    (and drop the entries of files that are gone)."""
    digests = read_manifest(root) if (Path(root) / MANIFEST).is_file() else {}
    for path in paths:
        digests[Path(path).resolve().relative_to(Path(root).resolve()).as_posix()] = sha256(path)
    write_manifest(root, {name: digest for name, digest in digests.items() if (Path(root) / name).is_file()})


def _shown(path, root):
    """``path`` as the user would type it from the repository: ``data/weights/lenet5.safetensors``."""
    root = Path(root).resolve()
    return (Path(root.name) / Path(path).resolve().relative_to(root)).as_posix()


@functools.lru_cache(maxsize=256)
def _checked(path, mtime, size, expected):
    return sha256(path) == expected


def verify(path, root, chapter=None):
    """Check ``path`` (a file under ``root``) against the manifest; return ``path``.

    Raises ``DataError`` naming the file and how to restore it (``git checkout -- data/...``, or
    ``python -m coursekit.reproduce CHAPTER`` when ``chapter`` is given) when its SHA-256 is not
    the one shipped. A file outside ``root``, or one no manifest there lists, is not checked. A
    file is hashed once per process as long as its size and modification time stay the same.
    """
    path = Path(path)
    if not path.resolve().is_relative_to(Path(root).resolve()):
        return path  # not a shipped file
    if not (Path(root) / MANIFEST).is_file():
        return path  # a data folder without a manifest (e.g. a test's): nothing is listed
    name = path.resolve().relative_to(Path(root).resolve()).as_posix()
    expected = read_manifest(root).get(name)
    if expected is None:
        return path
    status = path.stat()
    if not _checked(str(path.resolve()), status.st_mtime_ns, status.st_size, expected):
        again = f", or regenerate it with `python -m coursekit.reproduce {chapter}`" if chapter else ""
        raise DataError(
            f"{path} is corrupted or was overwritten: its SHA-256 is not the one in {MANIFEST} ({expected[:16]}...). "
            f"Restore it with `git checkout -- {_shown(path, root)}`{again}."
        )
    return path
