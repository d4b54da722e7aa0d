"""The review in a browser (`review serve`): Starlette pages over the same store and stage functions
as the CLI.

This package imports the stages; nothing else in `review` imports it, so the CLI (and `review
--help`) never loads Starlette, Jinja2 or uvicorn.
"""
