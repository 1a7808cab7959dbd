"""The journal: ``<out>/.etalase/journal.jsonl``, one line per finished photo keyed by the
input's content hash and the recipe, so a rerun reuses what is done and still on disk;
and writing one photo's outputs and thumbnails.
"""

from __future__ import annotations

import dataclasses
import errno
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from assistant.batch.naming import Plan
from assistant.batch.recipe import PhotoResult
from assistant.photo import write_atomic


JOURNAL = Path(".etalase") / "journal.jsonl"

# --------------------------------------------------------------------------- journal

@dataclass
class Record:
    """One photo's outcome, as journaled: the report rows are built from it."""

    input: str
    relative: str
    vendor: str
    sku: str
    order: int
    key: str
    status: str  # ok | error
    error: list | None = None  # [code, params]
    notices: list = field(default_factory=list)  # [[code, params], ...]
    outputs: list = field(default_factory=list)  # [{preset, path, width, height, bytes, notices}]
    thumbs: dict = field(default_factory=dict)  # "before" / preset name -> path below out
    timings: dict = field(default_factory=dict)
    resumed: bool = False
    index: int = 0
    internal: str | None = None

    def to_json(self) -> str:
        d = dataclasses.asdict(self)
        for k in ("resumed", "index", "internal", "input", "order"):
            d.pop(k)
        return json.dumps(d, ensure_ascii=False, default=str)


class Journal:
    """``<out>/.etalase/journal.jsonl``: append-only, one line per finished photo; a torn last
    line (a kill mid-write) is ignored on reading."""

    def __init__(self, out_dir: Path) -> None:
        self.path = out_dir / JOURNAL
        self.entries: dict[tuple[str, str], dict] = {}
        if self.path.is_file():
            for line in self.path.read_text("utf-8", errors="replace").splitlines():
                try:
                    d = json.loads(line)
                    self.entries[(d["relative"], d["key"])] = d
                except (ValueError, KeyError, TypeError):
                    continue
        self._handle = None

    def find(self, relative: str, key: str) -> dict | None:
        return self.entries.get((relative, key))

    def latest(self, relative: str) -> dict | None:
        """The newest entry for an input, whatever recipe made it (redoing one photo keeps the rest)."""
        found = None
        for (rel, _), entry in self.entries.items():
            if rel == relative:
                found = entry
        return found

    def add(self, record: Record) -> None:
        if self._handle is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._handle = self.path.open("a", encoding="utf-8")
        line = record.to_json()
        self._handle.write(line + "\n")
        self._handle.flush()
        self.entries[(record.relative, record.key)] = json.loads(line)

    def close(self, keep: set[tuple[str, str]] | None = None) -> None:
        """Close; with ``keep``, rewrite the file with only the newest entry per input kept."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None
        if keep is not None and self.path.is_file():
            latest = {rel: (rel, key) for rel, key in self.entries}  # insertion order: newest last
            for rel, key in keep:
                latest[rel] = (rel, key)
            lines = [json.dumps(self.entries[k], ensure_ascii=False) for k in latest.values() if k in self.entries]
            write_atomic(self.path, ("\n".join(lines) + "\n").encode("utf-8") if lines else b"")


def _still_valid(entry: dict, plan: Plan, out_dir: Path) -> bool:
    """A journaled photo counts as done when its outputs are where this run would put them,
    with the sizes recorded (a deleted or truncated output is redone)."""
    if entry.get("status") == "error":
        return True
    outs = {o["preset"]: o for o in entry.get("outputs", [])}
    if set(outs) != set(plan.paths):
        return False
    for preset in plan.paths:
        o = outs[preset]
        rel = plan.path_for(o.get("with") or [preset])
        if o["path"] != rel:
            return False
        try:
            if (out_dir / rel).stat().st_size != o["bytes"]:
                return False
        except OSError:
            return False
    return True


# --------------------------------------------------------------------------- writing results

def _thumb_name(record_key: str, relative: str, what: str) -> str:
    h = hashlib.sha256(f"{relative}\0{record_key}".encode("utf-8", "surrogatepass")).hexdigest()[:20]
    return f"thumbs/{h}-{re.sub(r'[^A-Za-z0-9_-]', '_', what)}.jpg"


def _write_result(plan: Plan, key: str, result: PhotoResult, out_dir: Path) -> Record:
    """Write one photo's outputs and thumbnails (each atomically) and describe them."""
    job = plan.job
    rel = job.relative.as_posix()
    record = Record(job.display, rel, job.vendor, plan.sku, plan.order, key,
                    "error" if (result.error or result.internal) else "ok",
                    list(result.error) if result.error else None,
                    [[n.code, n.params] for n in result.notices], timings=dict(result.timings),
                    index=job.index, internal=result.internal)
    if plan.renamed_after:
        record.notices.append(["hardening_name_renamed", {"name": rel, "other": plan.renamed_after}])
    try:
        if result.before:
            name = _thumb_name(key, rel, "before")
            write_atomic(out_dir / name, result.before)
            record.thumbs["before"] = name
        if record.status == "ok":
            for group in _same_bytes(result.outputs):
                names = [made.preset for made in group]
                path = plan.path_for(names)  # named by pipeline.output_extension, as process() encodes
                write_atomic(out_dir / path, group[0].data)  # one file for marketplaces that get the same bytes
                for made in group:
                    name = _thumb_name(key, rel, made.preset)
                    write_atomic(out_dir / name, made.thumb)
                    record.thumbs[made.preset] = name
                    output = {"preset": made.preset, "path": path, "width": made.width,
                              "height": made.height, "bytes": len(made.data),
                              "notices": [[n.code, n.params] for n in made.notices], "verdict": made.verdict}
                    if len(names) > 1:
                        output["with"] = names
                    record.outputs.append(output)
            order = {made.preset: i for i, made in enumerate(result.outputs)}
            record.outputs.sort(key=lambda o: order[o["preset"]])
    except OSError as exc:  # a full or read-only disk, a name the file system refuses: this photo's rows
        record.status, record.outputs = "error", []
        record.error = ["hardening_write_failed", {"name": PurePosixPath(rel).name, "reason": _reason(exc)}]
        record.key = ""  # not journaled: the next run tries again
    return record


def _same_bytes(outputs: list) -> list[list]:
    """The outputs grouped by identical bytes, in preset order (``umum`` and ``tokopedia`` both
    1200x1200 white JPEG: one group, one file)."""
    groups: dict[bytes, list] = {}
    for made in outputs:
        groups.setdefault(hashlib.sha256(made.data).digest(), []).append(made)
    return list(groups.values())


def _reason(exc: OSError) -> str:
    """Why a write failed, in the user's words (an errno name, never a path)."""
    return {errno.ENOSPC: "disk_full", errno.EDQUOT: "disk_full", errno.EROFS: "read_only",
            errno.EACCES: "no_permission", errno.EPERM: "no_permission",
            errno.ENAMETOOLONG: "name_too_long"}.get(exc.errno, "other")


def _record_from_entry(entry: dict, plan: Plan, out_dir: Path) -> Record:
    names = {f.name for f in dataclasses.fields(Record)}
    record = Record(**{k: v for k, v in entry.items() if k in names and k not in ("input", "order")},
                    input=plan.job.display, order=plan.order)
    record.resumed, record.index, record.sku, record.vendor = True, plan.job.index, plan.sku, plan.job.vendor
    record.thumbs = {k: v for k, v in record.thumbs.items() if (out_dir / v).is_file()}
    return record

