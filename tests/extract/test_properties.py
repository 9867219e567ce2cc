"""extract_article never raises (other than ExtractionError) and never loses <p> text."""

from __future__ import annotations

import html

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aggregator.extract import ExtractionError, extract_article

TAGS = ["div", "p", "span", "a", "table", "tr", "td", "ul", "li", "h1", "br", "script", "style", "b", "font"]
CLASSES = ["", "content", "nav", "share", "comment", "related", "footer", "article", "info", "breadcrumb"]


@st.composite
def html_ish(draw, depth=0, raw=True):
    parts = []
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.integers(0, 3))
        if kind == 1 and not raw:
            kind = 0
        if kind == 0 or depth > 3:
            text = draw(st.text(max_size=40))
            parts.append(text if raw else html.escape(text))
        elif kind == 1:
            parts.append(draw(st.sampled_from(["<", ">", "</div>", "<p", "&amp;", "&#x0;", "<!--", "-->", "<br/>", "<?xml ?>"])))
        else:
            tag = draw(st.sampled_from(TAGS))
            cls = draw(st.sampled_from(CLASSES))
            parts.append(f'<{tag} class="{cls}">{draw(html_ish(depth + 1, raw))}</{tag}>')
    return "".join(parts)


PRINTABLE = st.text(st.characters(categories=["L", "N"]), min_size=1, max_size=30)


def _call(doc):
    try:
        return extract_article(doc, "http://example.com/a.html")
    except ExtractionError:
        return None


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=500), st.binary(max_size=500), html_ish()))
def test_never_raises_unexpected(doc):
    ex = _call(doc)
    if ex is not None:
        assert isinstance(ex.body, str) and isinstance(ex.title, str)
        assert ex.published_at is None or ex.published_at.tzinfo is not None


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# well-formed noise (raw fragments like an unclosed "<!--" would legitimately swallow the <p>)
@given(st.lists(PRINTABLE, min_size=1, max_size=5), html_ish(raw=False), st.sampled_from(CLASSES),
       st.sampled_from(["utf-8", "gb18030", None]))
def test_paragraph_text_never_lost(texts, noise, cls, enc):
    paras = "".join(f"<p>{t}</p>" for t in texts)
    doc = f"<html><body>{noise}<div class='{cls}'>{paras}</div>{noise}</body></html>"
    data = doc.encode(enc) if enc else doc
    ex = extract_article(data, "http://example.com/a.html")
    assert ex.body.strip() != ""
