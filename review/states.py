"""One name for every stage and state the store keeps: what users type, what is shown, what is stored.

Each is a `StrEnum` whose value is the spelling the store keeps, so a member compares equal to the
stored text and goes into SQL as it is. The store checks these columns against the same lists
(`models.STATE_COLUMNS`; migration versions 6 and 7 froze them as they were then).
"""

from __future__ import annotations

from enum import StrEnum


class Stage(StrEnum):
    """A screening stage, stored as `title_abstract`, typed as `title-abstract`."""

    TITLE_ABSTRACT = "title_abstract"
    FULL_TEXT = "full_text"

    @property
    def cli(self) -> str:
        """How users type it (`--stage title-abstract`), and how file names spell it."""
        return self.value.replace("_", "-")

    @property
    def label(self) -> str:
        """How prose names it: "title/abstract", "full text"."""
        return _STAGE_LABELS[self]

    @classmethod
    def choices(cls) -> str:
        """The stages as users type them, for messages: "title-abstract or full-text"."""
        return " or ".join(s.cli for s in cls)

    @classmethod
    def parse(cls, text: str) -> Stage | None:
        """The stage a person wrote either way (`full-text`, `Full_Text`), or None."""
        found = text.strip().lower().replace("-", "_")
        return cls(found) if found in cls._value2member_map_ else None


_STAGE_LABELS = {Stage.TITLE_ABSTRACT: "title/abstract", Stage.FULL_TEXT: "full text"}


class Decision(StrEnum):
    """A screening decision event; `retracted` undoes the reviewer's previous one."""

    INCLUDE = "include"
    EXCLUDE = "exclude"
    MAYBE = "maybe"
    RETRACTED = "retracted"


class Role(StrEnum):
    """Who a screening decision speaks for."""

    SCREENER = "screener"
    ADJUDICATOR = "adjudicator"
    VERIFIER = "verifier"


class Purpose(StrEnum):
    """Why a work is in a reviewer's queue (the screening design)."""

    DUAL = "dual"
    PILOT = "pilot"
    SINGLE = "single"
    VERIFY = "verify"
    RULE_CHECK = "rule_check"
    ADJUDICATE = "adjudicate"


class ExtractionRole(StrEnum):
    """Who an extracted value speaks for."""

    EXTRACTOR = "extractor"
    VERIFIER = "verifier"
    CONSENSUS = "consensus"
    PREFILL = "prefill"


class Band(StrEnum):
    """How a dedupe pair was scored: merged by rule, for a person, apart, or linked as related."""

    AUTO = "auto"
    REVIEW = "review"
    DISTINCT = "distinct"
    RELATED = "related"


class PairDecision(StrEnum):
    """What was decided about a dedupe pair."""

    MERGE = "merge"
    KEEP_BOTH = "keep_both"


class PairAction(StrEnum):
    """A person's logged action on a dedupe pair."""

    MERGE = "merge"
    KEEP_BOTH = "keep_both"
    UNDO = "undo"


class RunStatus(StrEnum):
    """Where a search run stands."""

    RUNNING = "running"
    COMPLETE = "complete"
    INTERRUPTED = "interrupted"
    BUDGET_EXHAUSTED = "budget_exhausted"
    FAILED = "failed"


class StageRunStatus(StrEnum):
    """Where a stage run stands (`stage_run.status`); one left running was interrupted."""

    RUNNING = "running"
    COMPLETE = "complete"
    FAILED = "failed"


class Arm(StrEnum):
    """The PRISMA arm a search belongs to."""

    DATABASES = "databases"
    OTHER = "other"


class DocumentStatus(StrEnum):
    """Where a full text stands: sought, fetched (or not), read (or not)."""

    PENDING = "pending"
    RETRIEVED = "retrieved"
    NOT_RETRIEVED = "not_retrieved"
    READABLE = "readable"
    UNREADABLE = "unreadable"


class Origin(StrEnum):
    """Where a full text's address came from; `none` marks a work no record gives one for."""

    RECORD_FILE = "record_file"
    OPENALEX_BEST_OA = "openalex_best_oa"
    OPENALEX_LOCATION = "openalex_location"
    OPENALEX_OA_URL = "openalex_oa_url"
    GOVUK_ATTACHMENT = "govuk_attachment"
    GOVUK_HTML = "govuk_html"
    RECORD_URL = "record_url"
    MANUAL = "manual"
    NONE = "none"


class GateState(StrEnum):
    """Where a stage's pilot gate stands."""

    WAITING = "waiting"
    PASSED = "passed"
    FAILED = "failed"


STAGES = tuple(Stage)
DECISIONS = (Decision.INCLUDE, Decision.EXCLUDE, Decision.MAYBE)  # what a person decides; not an undo


class EvidenceStream(StrEnum):
    """Which stream of stakeholder evidence a document belongs to (methods.md section 1)."""

    CALL_FOR_EVIDENCE = "call_for_evidence"
    INTERVIEW = "interview"
    FOCUS_GROUP = "focus_group"
    FAMILY_VOICE = "family_voice"

    @property
    def cli(self) -> str:
        """How users type it (`--stream focus-group`)."""
        return self.value.replace("_", "-")

    @property
    def label(self) -> str:
        """How prose and tables name it: "call for evidence", "focus group"."""
        return self.value.replace("_", " ")

    @classmethod
    def parse(cls, text: str) -> EvidenceStream | None:
        """The stream a person wrote either way (`focus-group`, `Focus_Group`), or None."""
        found = text.strip().lower().replace("-", "_").replace(" ", "_")
        return cls(found) if found in cls._value2member_map_ else None


class SegmentKind(StrEnum):
    """What one coded unit of an evidence document is: an answer to a question, a paragraph, a turn."""

    ANSWER = "answer"
    PARAGRAPH = "paragraph"
    TURN = "turn"


class CodingRole(StrEnum):
    """Who a coding event speaks for: a coder, or the adjudicator settling the coders' disagreement."""

    CODER = "coder"
    ADJUDICATOR = "adjudicator"
