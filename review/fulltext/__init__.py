"""The full-text stage: find, fetch, store, read and search the documents of included works.

- `find`: candidate URLs from the records of works included at title/abstract;
- `download` and `store`: safe HTTP fetching into `<review>/fulltexts/` by sha256;
- `read` and `batch`: text per page (pypdfium2) and tables (pdfplumber), on both cores;
- `fetch`: the stage (fetch, read, try the next URL), `add`: files reviewers have by hand;
- `search`: ranked pages (SQLite FTS5), `status`: PRISMA's reports sought and not retrieved.
"""
