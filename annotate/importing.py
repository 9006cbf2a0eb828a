"""Files → articles: normalise, dedupe by text hash, write atomically.

(Text normalisation is defined here because every path that stores article text must agree on it.)
"""

from __future__ import annotations

import hashlib
import unicodedata


def normalise_text(text: str) -> str:
    """Drop a BOM, turn CRLF/CR into LF and compose to NFC: the one form offsets point into."""
    if text.startswith("\ufeff"):
        text = text[1:]
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text)


def text_hash(text: str) -> str:
    """SHA-256 hex digest of the normalised text, the article's identity for deduplication."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
