"""Named failures of :func:`aggregator.extract.extract_article`.

The spider catches :class:`ExtractionError` and counts ``type(exc).reason`` as the drop
reason (e.g. ``extract/drop/empty``). Anything else escaping the extractor is a bug.
"""

from __future__ import annotations


class ExtractionError(ValueError):
    """Base class: the input cannot yield an article."""

    reason = "error"


class EmptyDocumentError(ExtractionError):
    """The input is empty or only whitespace/markup with no text at all."""

    reason = "empty"


class NotHTMLError(ExtractionError):
    """The bytes are binary (PDF, image, archive …), not a text/HTML document."""

    reason = "not_html"


class DocumentTooLargeError(ExtractionError):
    """The input exceeds ``MAX_INPUT_BYTES``; parsing it would stall the crawl."""

    reason = "too_large"
