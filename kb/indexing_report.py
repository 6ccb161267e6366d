"""What an indexing run reports: each file's outcome, the run's counts and times, what it left out as furniture."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

__all__ = ["FURNITURE_REPORT", "STAGES", "STATUSES", "FileOutcome", "IndexReport", "furniture_report", "report_dict",
           "write_furniture_report"]

FURNITURE_REPORT = "furniture-report.json"  # in the kb's home: every line a run left out as site furniture
STAGES = ("reading", "chunking", "matching", "embedding", "writing")
STATUSES = ("indexed", "unchanged", "copy", "skipped", "error")


@dataclass
class FileOutcome:
    source: str
    status: str  # "indexed", "unchanged", "copy" (of document_id), "skipped" (unsupported type, over a limit, …), "error"
    chunks: int = 0
    garbled_chars: int = 0
    reason: str | None = None  # why a file was skipped or failed, or what of an indexed one could not be read
    code: str | None = None  # the reason as data, for a page to word in Vietnamese (service/messages.py)
    params: dict = field(default_factory=dict)  # what the reason names (a limit, a suffix, a document)
    document_id: int | None = None
    access: str | None = None  # the document's level; None when the file was not read (show it only to admins)
    furniture: list[str] = field(default_factory=list)  # lines left out as site furniture, for a person to audit
    copy_of: str | None = None  # a copy: the file its document was read from
    replaced: str | None = None  # a new version (or a fuller copy) of document_id: the file it was read from before

    @property
    def format(self) -> str:
        return Path(self.source).suffix.lower() or "(none)"


@dataclass
class IndexReport:
    files: list[FileOutcome] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=lambda: dict.fromkeys(STAGES, 0.0))

    def count(self, status: str) -> int:
        return sum(1 for f in self.files if f.status == status)

    @property
    def chunks(self) -> int:
        return sum(f.chunks for f in self.files)

    @property
    def garbled_chars(self) -> int:
        return sum(f.garbled_chars for f in self.files)

    @property
    def furniture_lines(self) -> int:
        return sum(len(f.furniture) for f in self.files)

    @property
    def errors(self) -> list[FileOutcome]:
        return [f for f in self.files if f.status in ("error", "skipped")]

    def by_format(self) -> dict[str, dict[str, int]]:
        """Per file type, how many files ended in each status: what was read, skipped and failed."""
        table: dict[str, dict[str, int]] = {}
        for outcome in self.files:
            row = table.setdefault(outcome.format, dict.fromkeys(STATUSES, 0))
            row[outcome.status] += 1
        return dict(sorted(table.items()))

    def summary(self) -> dict:
        return {
            "files": len(self.files), "indexed": self.count("indexed"), "unchanged": self.count("unchanged"),
            "copies": self.count("copy"), "skipped": self.count("skipped"), "errors": self.count("error"),
            "chunks": self.chunks,
            "garbled_chars_dropped": self.garbled_chars, "furniture_lines_dropped": self.furniture_lines,
            "by_format": self.by_format(),
            "seconds": {k: round(v, 3) for k, v in self.seconds.items()},
            "problems": [{"source": f.source, "status": f.status, "reason": f.reason, "access": f.access}
                         for f in self.files if f.reason and f.status != "copy"],  # errors, skips, files read in part
            "copies_found": [{"source": f.source, "document_id": f.document_id, "of": f.copy_of}
                             for f in self.files if f.status == "copy"],
            "replaced": [{"source": f.source, "document_id": f.document_id, "in_place_of": f.replaced}
                         for f in self.files if f.replaced],  # new versions, and fuller copies
        }


def furniture_report(report: IndexReport) -> dict:
    """What a run left out as site furniture, file by file: the lines as they were printed."""
    return {"lines": report.furniture_lines,
            "files": [{"source": f.source, "lines": f.furniture} for f in report.files if f.furniture]}


def write_furniture_report(path: Path, report: IndexReport) -> None:
    """Written beside the index at every run, so that a person can check nothing of a document went."""
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(furniture_report(report), ensure_ascii=False, indent=1), encoding="utf-8")
    tmp.replace(path)


def report_dict(report: IndexReport) -> dict:
    return {"summary": report.summary(), "files": [asdict(f) for f in report.files]}
