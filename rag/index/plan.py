"""What a build must do, decided from the files' content hashes alone, before anything is parsed.

Covers `plan`: each scanned file is added, changed, unchanged or (gone from the folder)
removed against the live index's manifest; files that cannot be hashed, and those that failed
an earlier build and have not changed since (under the same size limit), are skipped with
their reason, so an unchanged folder loads no model.

Does not read, chunk or embed anything (rag/index/build.py does).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..ingest import documents
from ..store import Manifest, Unreadable


@dataclass(frozen=True)
class Plan:
    """What a build does with each file of the folder, decided from content hashes alone."""

    hashes: dict[str, str]  # source ID -> SHA-256 of every file to index or keep
    added: tuple[str, ...]
    changed: tuple[str, ...]
    removed: tuple[str, ...]
    unchanged: tuple[str, ...]
    # Known unreadable before anything is parsed: by the scan, by hashing, or unchanged since they failed.
    skipped: tuple[documents.Skipped, ...]
    unreadable: dict[str, Unreadable]  # the failures of earlier builds that still apply

    @property
    def todo(self) -> list[str]:
        """The files to read, chunk and embed, in source ID order."""
        return sorted(self.added + self.changed)


def plan(found: documents.Scan, source_dir: Path, previous: Manifest | None, max_file_mb: float) -> Plan:
    """Compare the scanned folder with the live index's manifest (None: index everything)."""
    old_hashes = previous.sources if previous is not None else {}
    old_bad = previous.unreadable if previous is not None else {}
    skipped = list(found.skipped)
    hashes: dict[str, str] = {}
    unreadable: dict[str, Unreadable] = {}
    for sid, path in found.files:
        rel = path.relative_to(source_dir).as_posix()
        try:
            digest = documents.file_hash(path)
        except documents.UnreadableFile as exc:
            skipped.append(documents.Skipped(rel, str(exc)))
            continue
        bad = old_bad.get(sid)
        # Not retried until the file or the size limit changes, so an unchanged folder loads no model.
        if bad is not None and bad.still_applies(digest, max_file_mb):
            skipped.append(documents.Skipped(rel, bad.reason))
            unreadable[sid] = bad
            continue
        hashes[sid] = digest
    return Plan(
        hashes=hashes,
        added=tuple(s for s in hashes if s not in old_hashes),
        changed=tuple(s for s in hashes if s in old_hashes and old_hashes[s] != hashes[s]),
        removed=tuple(s for s in old_hashes if s not in hashes),
        unchanged=tuple(s for s in hashes if old_hashes.get(s) == hashes[s]),
        skipped=tuple(skipped),
        unreadable=unreadable,
    )
