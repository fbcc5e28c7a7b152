"""The analyse step of ingest: entities (linked within the article) and quotes, per article.

Runs the spaCy pipelines of :mod:`rag.nlp` over a group of articles in one batched pass (``nlp.pipe``),
then the quote extractor of :mod:`rag.quotes` over the same parses (the parse cache makes that free of a
second parse). The result travels with the article to the store, which writes it on the chunks in the
same single Chroma write as the text, so entities and quotes can never disagree with the text.

An NLP failure never stops an ingest: the article is stored without notes and the failure is logged,
since an article that cannot be analysed is still worth finding by its words.
"""

from __future__ import annotations

import logging

from rag.models import Article, ArticleNotes, QuoteRecord

log = logging.getLogger(__name__)


def analyse_articles(articles: list[Article]) -> dict[str, ArticleNotes]:
    """Notes for each article id (an empty ``ArticleNotes`` when its analysis failed)."""
    if not articles:
        return {}
    from rag.nlp import analyse_many
    from rag.quotes import extract_quotes

    try:
        analyses = analyse_many([a.text for a in articles], [a.lang for a in articles])
    except Exception:
        log.exception("entity analysis failed for a group of %d articles", len(articles))
        return {a.id: ArticleNotes() for a in articles}
    out: dict[str, ArticleNotes] = {}
    for article, analysis in zip(articles, analyses, strict=True):
        try:
            quotes = tuple(QuoteRecord(q.speaker, q.speaker_mention, q.quote, q.cue, q.span[0], q.span[1], q.kind)
                           for q in extract_quotes(article.text, article.lang, analysis))
        except Exception:
            log.exception("quote extraction failed for %s", article.id)
            quotes = ()
        out[article.id] = ArticleNotes(
            mentions=tuple((m.label, m.start, m.end, m.canonical) for m in analysis.mentions),
            people=analysis.people, quotes=quotes,
        )
    return out
