"""Safe presentation helpers for the UI (pure functions; no streamlit import).

Article text is untrusted: it may hold HTML, scripts or Markdown (an image link would make the
browser fetch a URL). Everything from an article is escaped before the page sees it.
"""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import urlsplit

from rag.models import Citation

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$])")


def escape_markdown(text: str) -> str:
    """Backslash-escape Markdown and HTML syntax so text renders literally."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def answer_markdown(text: str) -> str:
    """The answer text escaped, with its ``[n]`` markers kept as plain bold references."""
    escaped = escape_markdown(text).replace("\n", "  \n")  # a timeline's lines stay lines
    return re.sub(r"\\\[(\d+)\\\]", r"**[\1]**", escaped)


def safe_url(url: str | None) -> str | None:
    """The URL if it is http(s), else None (no javascript: links from article metadata)."""
    if url and urlsplit(url).scheme in {"http", "https"}:
        return url
    return None


def passage_html(c: Citation) -> str:
    """The cited passage as escaped HTML with the quoted sentence highlighted."""
    s, e = c.passage_span
    before, quote, after = c.text[:s], c.text[s:e], c.text[e:]
    return (f'<div class="newsqa-passage">{html.escape(before)}<mark>{html.escape(quote)}</mark>'
            f"{html.escape(after)}</div>")


def source_line(c: Citation) -> str:
    """'[n] Title — Outlet, date' as escaped Markdown, with a link when the URL is http(s)."""
    title = escape_markdown(c.title or c.article_id)
    url = safe_url(c.url)
    head = f"[{title}]({url.replace(')', '%29')})" if url else title
    meta = ", ".join(escape_markdown(x) for x in (c.source, c.date) if x)
    also = f" · also reported by: {escape_markdown(', '.join(c.also))}" if c.also else ""
    return f"**[{c.n}]** {head}" + (f" — {meta}" if meta else "") + also


def quote_markdown(row: dict[str, Any]) -> str:
    """One quote of the index: speaker, the words (escaped), outlet, date and a link to the source."""
    url = safe_url(row.get("url"))
    where = escape_markdown(row.get("source") or "unknown outlet")
    title = escape_markdown(row.get("title") or row.get("article_id") or "")
    link = f"[{title}]({url.replace(')', '%29')})" if url else title
    return (f"**{escape_markdown(row['speaker'])}** ({escape_markdown(row.get('cue') or '')}): "
            f"“{escape_markdown(row['quote'])}”  \n{where} · {row.get('date') or 'undated'} · {link}")
