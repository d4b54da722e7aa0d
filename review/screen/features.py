"""The text features the ranker learns from: a TF-IDF matrix of every work in the store, cached.

The matrix is the slow part of ranking (about 30 s per 100,000 works), so it is kept in memory by a
`FeatureCache` (the caller's, or else the one held for the store's engine, which lives as long as
the engine does) and, for SQLite stores, in a cache folder beside the database, keyed by a
fingerprint of the works table. The cache holds only text features, the same for every reviewer:
no labels and no fitted model, so a model is never served from one reviewer's queue to another's.
"""

from __future__ import annotations

import hashlib
import io
import os
import weakref
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, func
from sqlmodel import Session, col, select

from review.models import Record, Work
from review.screen import learners

if TYPE_CHECKING:
    import numpy as np
    from scipy.sparse import csr_matrix

VECTORISER = learners.WORDS  # the features' settings, part of the disk cache's key

CACHE_DIR = ".review-cache"


@dataclass(frozen=True)
class Features:
    """The TF-IDF matrix of a set of works: row i is work `ids[i]` (ids ascending)."""

    ids: np.ndarray
    matrix: csr_matrix
    key: str = ""

    def rows(self, work_ids: Sequence[int]) -> np.ndarray:
        """Row numbers of `work_ids` (meaningful only where `has_rows` is true)."""
        import numpy as np

        return np.searchsorted(self.ids, np.asarray(work_ids, dtype=np.int64))

    def has_rows(self, work_ids: Sequence[int], rows: np.ndarray) -> np.ndarray:
        """Which of `work_ids` (at `rows`, from `self.rows`) the matrix holds."""
        import numpy as np

        inside = rows < len(self.ids)
        same = self.ids[np.minimum(rows, len(self.ids) - 1)] == np.asarray(work_ids, dtype=np.int64)
        return np.asarray(inside & same, dtype=bool)


class FeatureCache:
    """The TF-IDF matrix of one store, kept in memory for as long as its holder keeps this object.

    Hold one across the re-ranks of a screening sitting, a pipeline run or a benchmark and pass it
    to `rank`; a caller that passes none shares the one held for the store's engine (`of`).
    """

    def __init__(self, cache_dir: Path | None = None) -> None:
        self.cache_dir = cache_dir  # the disk cache; None: beside a SQLite store, none otherwise
        self.held: Features | None = None
        self._quick = ""

    @classmethod
    def of(cls, session: Session) -> FeatureCache:
        """The cache held for the session's engine: one per store a process opens, gone with it."""
        bind = session.get_bind()
        engine = bind.engine if isinstance(bind, Connection) else bind
        assert isinstance(engine, Engine)
        return _BY_ENGINE.setdefault(engine, cls())

    def features(self, session: Session) -> Features:
        """The TF-IDF matrix of every work in the store, from memory, the disk cache, or computed."""
        quick = _quick_key(session)
        if self.held is None or quick != self._quick:
            self.held, self._quick = _read_or_compute(session, self.cache_dir), quick
        return self.held


# Weak keys: an engine's cache goes when the engine does (a test's store, a closed review).
_BY_ENGINE: weakref.WeakKeyDictionary[Engine, FeatureCache] = weakref.WeakKeyDictionary()


def features_for(session: Session, *, cache: FeatureCache | None = None) -> Features:
    """The TF-IDF matrix of every work in the store, from `cache` (else the one held for the store's
    engine), the disk cache, or computed."""
    return (cache or FeatureCache.of(session)).features(session)


def _read_or_compute(session: Session, cache_dir: Path | None) -> Features:
    key = _fingerprint(session)
    folder = cache_dir or _default_cache_dir(session)
    features = _load(folder, key) if folder else None
    if features is None:
        ids, texts = _work_texts(session)
        features = Features(ids, learners.DEFAULT.featurise(texts), key)
        if folder:
            _save(folder, features)
    return features


def _quick_key(session: Session) -> str:
    # served from the primary key, so it costs nothing at 100,000 works; within one process works
    # are added (new IDs) but not re-edited, which happens in `review dedupe`, another process
    count, top = session.exec(select(func.count(col(Work.id)), func.max(Work.id))).one()
    return f"{session.get_bind().engine.url}|{count}|{top}"


def _fingerprint(session: Session) -> str:
    # max(updated_at) reads the whole table, so only the disk cache, shared across runs, uses it
    bind = session.get_bind()
    count, top, updated = session.exec(
        select(func.count(col(Work.id)), func.max(Work.id), func.max(Work.updated_at))
    ).one()
    raw = f"{bind.engine.url}|{count}|{top}|{updated}|{VECTORISER}|{learners.DEFAULT.featurise.__name__}"
    return hashlib.sha256(raw.encode()).hexdigest()[:24]


def _work_texts(session: Session) -> tuple[np.ndarray, list[str]]:
    import numpy as np

    keywords: dict[int, list[str]] = {}
    q = select(Record.work_id, Record.keywords).where(
        col(Record.keywords).is_not(None), col(Record.work_id).is_not(None)
    )
    for work_id, words in session.exec(q):
        if work_id is not None and words:
            keywords.setdefault(work_id, []).extend(str(w) for w in words)
    ids, texts = [], []
    for work_id, title, abstract in session.exec(
        select(Work.id, Work.title, Work.abstract).order_by(col(Work.id))
    ):
        if work_id is None:
            continue
        ids.append(work_id)
        texts.append(" ".join([title or "", abstract or "", *keywords.get(work_id, [])]))
    return np.asarray(ids, dtype=np.int64), texts


def _default_cache_dir(session: Session) -> Path | None:
    url = session.get_bind().engine.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database).resolve().parent / CACHE_DIR


def _load(folder: Path, key: str) -> Features | None:
    import numpy as np
    from scipy.sparse import load_npz

    try:
        # Read whole, then parse: a damaged file leaves no handle open behind the error.
        matrix = load_npz(io.BytesIO((folder / f"tfidf-{key}.npz").read_bytes())).tocsr()
        ids = np.load(io.BytesIO((folder / f"tfidf-{key}.ids.npy").read_bytes()))
    except (OSError, ValueError, zipfile.BadZipFile):  # absent, or damaged by an interrupted run
        return None
    return Features(ids, matrix, key) if len(ids) == matrix.shape[0] else None


def _save(folder: Path, features: Features) -> None:
    import numpy as np
    from scipy.sparse import save_npz

    try:
        folder.mkdir(exist_ok=True)
        for old in folder.glob("tfidf-*"):
            old.unlink()
        # Each file written aside and renamed into place: a ranking running at the same time (two
        # screeners, two browser tabs) reads a whole file or none, never a half-written one.
        ids_tmp = folder / f".{os.getpid()}-{features.key}.ids.npy"
        np.save(ids_tmp, features.ids)
        os.replace(ids_tmp, folder / f"tfidf-{features.key}.ids.npy")
        matrix_tmp = folder / f".{os.getpid()}-{features.key}.npz"
        save_npz(matrix_tmp, features.matrix)
        os.replace(matrix_tmp, folder / f"tfidf-{features.key}.npz")
    except OSError:  # a read-only folder only costs speed
        return
