"""Stakeholder evidence beside the literature: the call for evidence, interviews, focus groups and
family voices, pseudonymised at import, coded with the protocol's framework (`[codebook]`) by two
coders, and synthesised into a themes-by-stream matrix, a report skeleton and a REFI-QDA project.

One module per concern: read (files to documents and segments), transcripts (VTT/SRT/`Name:`
turns), pseudonyms, imports (the store), coding and sheets (codings and the sheet round trip),
agreement, campaign, matrix and report (the synthesis), qdpx (REFI-QDA), withdraw, demo.
"""
