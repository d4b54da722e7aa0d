"""Campaign responses: near-identical call-for-evidence answers, grouped and counted as one voice.

An organised campaign sends the same text many times, lightly edited. Each response's answers are
normalised (lower case, punctuation and spacing dropped) and compared by rapidfuzz's token-set
similarity; responses at or above the protocol's `codebook.campaign_threshold` (default 90) are
linked, and linked responses form one group (single linkage). Token-set similarity rates a short
text inside a long one as identical, so pairs whose lengths differ more than twofold are not linked,
and very short responses ("Yes") are never grouped.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

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
    from rapidfuzz import fuzz, process

    docs = sorted(answers)
    texts = [normalise(answers[d]) for d in docs]
    usable = [i for i, t in enumerate(texts) if len(t) >= MIN_CHARS]
    parent = list(range(len(docs)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    if len(usable) > 1:
        chosen = [texts[i] for i in usable]
        scores = process.cdist(chosen, chosen, scorer=fuzz.token_set_ratio, score_cutoff=threshold)
        for x, y in zip(*scores.nonzero(), strict=True):
            i, j = usable[int(x)], usable[int(y)]
            if i < j and max(len(texts[i]), len(texts[j])) <= 2 * min(len(texts[i]), len(texts[j])):
                parent[root(j)] = root(i)
    groups: dict[int, list[int]] = {}
    for i, doc in enumerate(docs):
        groups.setdefault(root(i), []).append(doc)
    found = [Campaign(min(ids), tuple(sorted(ids))) for ids in groups.values() if len(ids) > 1]
    return sorted(found, key=lambda c: (-c.size, c.lead))


def voice_of(found: Sequence[Campaign]) -> dict[int, int]:
    """Each campaign member's lead document: the voice it is counted under."""
    return {member: c.lead for c in found for member in c.members}
