"""Campaign responses: near-identical call-for-evidence answers, grouped and counted as one voice.

An organised campaign sends the same text many times, lightly edited. Each response's answers are
normalised (lower case, punctuation and spacing dropped) and compared by rapidfuzz's token-set
similarity; responses at or above the protocol's `codebook.campaign_threshold` (default 90) are
linked, and linked responses form one group (single linkage: scipy's connected components).
Token-set similarity rates a short text inside a long one as identical, so pairs whose lengths
differ more than twofold are not linked, and very short responses ("Yes") are never grouped.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

DEFAULT_THRESHOLD = 90.0
MIN_CHARS = 40  # shorter responses say too little to be told apart from a campaign's


@dataclass(frozen=True)
class Campaign:
    """Responses that say the same thing: the first one speaks for the group."""

    lead: int  # the lowest document ID
    members: tuple[int, ...]

    @property
    def size(self) -> int:
        return len(self.members)


def normalise(text: str) -> str:
    """Text as compared: lower case words, no punctuation, single spaces."""
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def campaigns(answers: Mapping[int, str], threshold: float = DEFAULT_THRESHOLD) -> list[Campaign]:
    """The groups of two or more near-identical responses, largest first.

    `answers`: each call-for-evidence response's answers (document ID -> text, questions left out:
    they are the same in every response).
    """
    import numpy as np
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    docs = sorted(answers)
    texts = [normalise(answers[d]) for d in docs]
    a, b = _linked(texts, threshold)
    graph = coo_matrix((np.ones(len(a)), (a, b)), shape=(len(docs), len(docs)))
    _, label = connected_components(graph, directed=False)  # linked responses: one group
    groups: dict[int, list[int]] = {}
    for k, doc in zip(label.tolist(), docs, strict=True):
        groups.setdefault(k, []).append(doc)
    found = [Campaign(min(ids), tuple(sorted(ids))) for ids in groups.values() if len(ids) > 1]
    return sorted(found, key=lambda c: (-c.size, c.lead))


def voice_of(found: Sequence[Campaign]) -> dict[int, int]:
    """Each campaign member's lead document: the voice it is counted under."""
    return {member: c.lead for c in found for member in c.members}


def _linked(texts: list[str], threshold: float) -> tuple[Any, Any]:
    """Pairs (i < j) of texts at or above `threshold`, neither very short nor twice the other's length."""
    import numpy as np
    from rapidfuzz import fuzz, process

    lengths = np.asarray([len(t) for t in texts], dtype=np.int64)
    usable = np.flatnonzero(lengths >= MIN_CHARS)
    if len(usable) < 2:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    chosen = [texts[i] for i in usable]
    # uint8 scores: a 5,000-response call is a 25 MB matrix, computed on every core
    scores = process.cdist(
        chosen, chosen, scorer=fuzz.token_set_ratio, score_cutoff=threshold, dtype=np.uint8, workers=-1
    )
    x, y = scores.nonzero()
    i, j = usable[x], usable[y]
    keep = (i < j) & (np.maximum(lengths[i], lengths[j]) <= 2 * np.minimum(lengths[i], lengths[j]))
    return i[keep], j[keep]
