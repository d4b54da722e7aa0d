"""RIS, as databases and reference managers write it: read line by line (read), each record's tags
made a RecordIn (record), and written back (write) so that reading gives the same fields.
"""

from __future__ import annotations

from review.formats.ris.read import KIND, parse_ris, read_ris
from review.formats.ris.record import Fields
from review.formats.ris.write import ris_type, write_ris

__all__ = ["KIND", "Fields", "parse_ris", "read_ris", "ris_type", "write_ris"]
