"""Schema version 9: stakeholder evidence (call for evidence, interviews, focus groups, family voices)."""

from __future__ import annotations

from review.migrations.steps import Step, state_checks

_V9_STAMP = {"sqlite": "DATETIME", "postgresql": "TIMESTAMP WITH TIME ZONE"}
_V9_ID = {"sqlite": "INTEGER", "postgresql": "SERIAL"}

_V9_DOCUMENT = """CREATE TABLE IF NOT EXISTS evidence_document (
    id {id} NOT NULL, stream VARCHAR NOT NULL, kind VARCHAR NOT NULL, title VARCHAR NOT NULL,
    participant VARCHAR, role VARCHAR, organisation_type VARCHAR, region VARCHAR,
    source_file VARCHAR NOT NULL, sha256 VARCHAR NOT NULL, source_row INTEGER NOT NULL, text TEXT,
    imported_by VARCHAR, created_at {stamp} NOT NULL, withdrawn_at {stamp}, withdrawn_by VARCHAR,
    withdrawn_reason TEXT,
    PRIMARY KEY (id),
    CONSTRAINT uq_evidence_document_source UNIQUE (sha256, source_row)
)"""
_V9_SEGMENT = """CREATE TABLE IF NOT EXISTS evidence_segment (
    id {id} NOT NULL, document_id INTEGER NOT NULL, seq INTEGER NOT NULL, kind VARCHAR NOT NULL,
    label VARCHAR, speaker VARCHAR, turn INTEGER, start_ms INTEGER, end_ms INTEGER,
    start_char INTEGER NOT NULL, end_char INTEGER NOT NULL, text TEXT,
    PRIMARY KEY (id),
    CONSTRAINT uq_evidence_segment_seq UNIQUE (document_id, seq),
    FOREIGN KEY(document_id) REFERENCES evidence_document (id)
)"""
_V9_CODING = """CREATE TABLE IF NOT EXISTS evidence_coding (
    id {id} NOT NULL, segment_id INTEGER NOT NULL, coder VARCHAR NOT NULL, role VARCHAR NOT NULL,
    codes JSON, note TEXT, via VARCHAR NOT NULL, created_at {stamp} NOT NULL,
    PRIMARY KEY (id),
    FOREIGN KEY(segment_id) REFERENCES evidence_segment (id)
)"""
_V9_PSEUDONYM = """CREATE TABLE IF NOT EXISTS evidence_pseudonym (
    id {id} NOT NULL, name_key VARCHAR NOT NULL, real_name VARCHAR NOT NULL, pseudonym VARCHAR NOT NULL,
    created_at {stamp} NOT NULL,
    PRIMARY KEY (id),
    UNIQUE (name_key)
)"""
_V9_INDEXES = (
    "CREATE INDEX IF NOT EXISTS ix_evidence_document_sha256 ON evidence_document (sha256)",
    "CREATE INDEX IF NOT EXISTS ix_evidence_segment_document_id ON evidence_segment (document_id)",
    "CREATE INDEX IF NOT EXISTS ix_evidence_coding_segment ON evidence_coding (segment_id, coder)",
    "CREATE INDEX IF NOT EXISTS ix_evidence_pseudonym_pseudonym ON evidence_pseudonym (pseudonym)",
)
# The values each new state column may hold at version 9 (review.states then).
_V9_STATES: dict[str, dict[str, tuple[str, ...]]] = {
    "evidence_document": {"stream": ("call_for_evidence", "interview", "focus_group", "family_voice")},
    "evidence_segment": {"kind": ("answer", "paragraph", "turn")},
    "evidence_coding": {"role": ("coder", "adjudicator")},
}


def _tables(dialect: str) -> tuple[str, ...]:
    kinds = {"id": _V9_ID[dialect], "stamp": _V9_STAMP[dialect]}
    made = (_V9_DOCUMENT, _V9_SEGMENT, _V9_CODING, _V9_PSEUDONYM)
    return (*(sql.format(**kinds) for sql in made), *_V9_INDEXES)


def _version_9() -> tuple[Step, ...]:
    return (
        Step("stakeholder evidence: documents, segments, codings, pseudonyms", _tables("sqlite"),
             _tables("postgresql")),
        Step(
            "the evidence state columns hold one of their values",
            state_checks("sqlite", _V9_STATES),
            state_checks("postgresql", _V9_STATES),
        ),
    )  # fmt: skip


STEPS = _version_9()
