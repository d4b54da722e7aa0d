"""`review evidence` commands: stakeholder evidence in, coded by two coders, synthesised out."""

from __future__ import annotations

from pathlib import Path

import click

from review.cli.base import App, cli, pass_app
from review.states import EvidenceStream

STREAM_CHOICE = click.Choice([s.cli for s in EvidenceStream])
CODER = click.option("--coder", required=True, help="The coder's name as listed in the protocol's reviewers.")
OUT_DIR = click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder to write into. Default: extracted/ in the review folder.",
)


def _stream(value: str | None) -> EvidenceStream | None:
    return EvidenceStream.parse(value) if value else None


@cli.group("evidence")
def evidence_group() -> None:
    """Stakeholder evidence: call for evidence, interviews, focus groups, family voices.

    \b
    Example:
        review evidence import responses.xlsx
        review evidence import interview-03.vtt --stream interview --role expert
        review evidence code-export --coder reviewer1 coding-reviewer1.xlsx
        review evidence matrix
    """


@evidence_group.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--stream", type=STREAM_CHOICE, help="The files' stream (a workbook: call-for-evidence).")
@click.option("--role", help="Participant role, e.g. parent, practitioner, expert.")
@click.option("--organisation-type", help="Participant's organisation type, e.g. local authority, charity.")
@click.option("--region", help="Participant's region, e.g. North West.")
@click.option("--name", "names", multiple=True, help="A real name in the text to pseudonymise (repeatable).")
@click.option(
    "--attributes",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A CSV/XLSX sheet of attributes per file: file, stream, role, organisation_type, region, names.",
)
@pass_app
def import_cmd(
    app: App,
    files: tuple[Path, ...],
    stream: str | None,
    role: str | None,
    organisation_type: str | None,
    region: str | None,
    names: tuple[str, ...],
    attributes: Path | None,
) -> None:
    """Import evidence files (XLSX/CSV workbooks, DOCX, PDF, TXT, VTT, SRT), pseudonymised.

    Names in name and e-mail columns, speaker labels and --name become pseudonyms (P001, ...)
    wherever they appear. A file imported before is skipped.

    \b
    Example:
        review evidence import responses.xlsx submission.docx --attributes attributes.csv
    """
    from review.evidence.imports import import_files
    from review.evidence.read import Attributes

    given = Attributes(_stream(stream), role, organisation_type, region, names)
    with app.session() as session:
        result = import_files(session, list(files), given, sidecar=attributes)
    for f in result.files:
        what = (
            "already imported: skipped"
            if f.skipped
            else f"{f.documents} document(s), {f.segments} segment(s)"
        )
        click.echo(f"{f.path}: {what}")
    click.echo(
        f"Imported {result.documents} document(s), {result.segments} segment(s); "
        f"{result.pseudonyms} pseudonym(s) in the mapping."
    )


@evidence_group.command("list")
@click.option("--stream", type=STREAM_CHOICE, help="Only this stream.")
@click.option("--segments", is_flag=True, help="List each document's segments too.")
@click.option("--withdrawn", is_flag=True, help="Also list withdrawn documents (with who, when and why).")
@pass_app
def list_cmd(app: App, stream: str | None, segments: bool, withdrawn: bool) -> None:
    """List evidence documents: ID, stream, participant (pseudonym), attributes, segments.

    \b
    Example:
        review evidence list --stream interview --segments
    """
    from review.evidence.listing import lines

    with app.session() as session:
        for line in lines(session, _stream(stream), segments=segments, withdrawn=withdrawn):
            click.echo(line)


@evidence_group.command("code-export")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@CODER
@click.option("--stream", type=STREAM_CHOICE, help="Only this stream's segments.")
@click.option("--document", "documents", type=int, multiple=True, help="Only these documents (repeatable).")
@pass_app
def code_export_cmd(app: App, path: Path, coder: str, stream: str | None, documents: tuple[int, ...]) -> None:
    """Write a coder's coding sheet (CSV or XLSX): one row per segment, codes to fill in.

    \b
    Example:
        review evidence code-export coding-reviewer1.xlsx --coder reviewer1
    """
    from review.evidence.sheets import export

    with app.session() as session:
        result = export(
            session,
            app.protocol(),
            app.check_reviewer(coder),
            path,
            stream=_stream(stream),
            documents=documents,
        )
    click.echo(
        f"Wrote {result.rows} segment(s) to {result.path} ({result.coded} already coded by {coder}). "
        "Fill `codes` with codebook codes separated by ';' (or `none`), then `review evidence "
        "code-import`."
    )


@evidence_group.command("code-import")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--coder", help="The coder (default: the sheet's `coder` column).")
@pass_app
def code_import_cmd(app: App, path: Path, coder: str | None) -> None:
    """Read a coding sheet back: every row is checked first; nothing is applied unless all are good.

    \b
    Example:
        review evidence code-import coding-reviewer1.xlsx
    """
    from review.evidence.sheets import import_file

    with app.session() as session:
        result = import_file(session, app.protocol(), path, coder)
    click.echo(
        f"{result.coder}: {result.rows} row(s); {result.applied} coding(s) recorded, "
        f"{result.unchanged} unchanged, {result.blank} not yet coded."
    )


@evidence_group.command("code")
@click.argument("segment", type=int)
@click.option("--codes", required=True, help="Codebook codes separated by ';', or `none`.")
@CODER
@click.option("--note", help="A note kept with the coding.")
@pass_app
def code_cmd(app: App, segment: int, codes: str, coder: str, note: str | None) -> None:
    """Code one segment from the terminal (the whole set of codes this coder gives it).

    \b
    Example:
        review evidence code 12 --codes "governance; funding" --coder reviewer1
    """
    _code(app, segment, codes, app.check_reviewer(coder), note, "coder")


@evidence_group.command("adjudicate")
@click.argument("segment", type=int)
@click.option("--codes", required=True, help="The settled codes separated by ';', or `none`.")
@click.option("--adjudicator", required=True, help="The adjudicator's name as listed in the protocol.")
@click.option("--note", help="Why (kept with the decision).")
@pass_app
def adjudicate_cmd(app: App, segment: int, codes: str, adjudicator: str, note: str | None) -> None:
    """Settle the coders' disagreement on one segment: these codes become its final codes.

    \b
    Example:
        review evidence adjudicate 12 --codes outreach --adjudicator adjudicator
    """
    _code(app, segment, codes, app.check_reviewer(adjudicator), note, "adjudicator")


def _code(app: App, segment: int, text: str, who: str, note: str | None, role: str) -> None:
    from review.errors import InputError
    from review.evidence import coding

    book = coding.codebook(app.protocol())
    codes, problem = coding.parse_codes(text, book)
    if problem or codes is None:
        raise InputError(problem or "Give at least one code, or `none`.")
    with app.session() as session:
        coding.check_segment(session, segment)
        written = coding.record(session, segment, who, codes, role=role, via="terminal", note=note)
    shown = ", ".join(sorted(codes)) or "none"
    click.echo(
        f"Segment {segment}: {shown} ({who}, {role})." if written else f"Segment {segment}: unchanged."
    )


@evidence_group.command("agreement")
@click.option(
    "--coders", nargs=2, help="The two coders to compare (default: the pair sharing most segments)."
)
@click.option("--seed", type=int, default=2026, show_default=True, help="Seed of the bootstrap intervals.")
@pass_app
def agreement_cmd(app: App, coders: tuple[str, str] | None, seed: int) -> None:
    """Agreement of two coders per code: Cohen's kappa and Krippendorff's alpha with 95% intervals.

    \b
    Example:
        review evidence agreement --coders reviewer1 reviewer2
    """
    from review.evidence import agreement

    with app.session() as session:
        report = agreement.compute(session, app.protocol(), coders or None, seed=seed)
    click.echo(agreement.render(report))


@evidence_group.command("matrix")
@OUT_DIR
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "xlsx"]),
    default="csv",
    show_default=True,
    help="Format of the matrix sheets.",
)
@pass_app
def matrix_cmd(app: App, out: Path | None, fmt: str) -> None:
    """Write the framework matrix (themes by stream and by role, quotes) and the report skeleton.

    \b
    Example:
        review evidence matrix --format xlsx
    """
    from review.evidence import matrix, report

    with app.session() as session:
        built = matrix.build(session, app.protocol())
        written = report.write(session, built, out or app.extracted_dir, fmt)
    click.echo(report.markdown(built, "stream"))
    for path in written.paths:
        click.echo(f"Wrote {path}")


@evidence_group.command("export-qdpx")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--with-names", is_flag=True, help="Name each participant (case) with the real name too.")
@pass_app
def export_qdpx_cmd(app: App, path: Path, with_names: bool) -> None:
    """Write a REFI-QDA project (.qdpx) for NVivo, ATLAS.ti, MAXQDA or QualCoder.

    \b
    Example:
        review evidence export-qdpx extracted/evidence.qdpx
    """
    from review.evidence import qdpx

    with app.session() as session:
        result = qdpx.export(session, app.protocol(), path, with_names=with_names)
    names = " It holds real names: keep it as securely as the pseudonym mapping." if with_names else ""
    click.echo(
        f"Wrote {result.path}: {result.sources} source(s), {result.selections} coded selection(s), "
        f"{result.codings} coding(s).{names}"
    )


@evidence_group.command("withdraw")
@click.argument("document", type=int)
@click.option("--by", "who", required=True, help="Who records the withdrawal.")
@click.option("--reason", required=True, help="Why, e.g. 'consent withdrawn by email 2025-04-02'.")
@pass_app
def withdraw_cmd(app: App, document: int, who: str, reason: str) -> None:
    """Withdraw a document (consent withdrawn): its text is erased and it leaves every output.

    \b
    Example:
        review evidence withdraw 7 --by lead --reason "consent withdrawn by email"
    """
    from review.evidence.withdraw import withdraw

    with app.session() as session:
        done = withdraw(session, document, who, reason)
    click.echo(
        f"Withdrew document {done.document_id} ({done.title}): {done.segments} segment(s) erased, "
        f"{done.names_erased} name(s) erased from the mapping; logged as {who}, {done.at:%Y-%m-%d %H:%M} UTC."
    )


@evidence_group.command("demo")
@click.option(
    "--dir",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("evidence-demo"),
    show_default=True,
    help="Folder for the demo review (must not exist yet).",
)
def demo_cmd(folder: Path) -> None:
    """Run the whole evidence flow on bundled fictional documents and print the matrix.

    \b
    Example:
        review evidence demo --dir /tmp/evidence-demo
    """
    from review.evidence.demo import run

    for line in run(folder):
        click.echo(line)
