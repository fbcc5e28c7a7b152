"""newsqa chat UI. Thin by design: it renders and calls ``rag`` / ``ingest`` (which never import streamlit).

Run with ``make run`` (or ``streamlit run app.py``).
"""

from __future__ import annotations

import itertools
import logging
from datetime import date
from typing import Any

import streamlit as st

from ingest.readers import read_bytes, read_input, read_pasted
from rag.catalog import SORT_KEYS
from rag.config import Settings, load_settings
from rag.engine import Engine
from rag.models import Answer
from rag.present import answer_markdown, escape_markdown, passage_html, quote_markdown, source_line
from rag.quote_search import filter_rows, find_quotes, speaker_table, speakers_matching
from rag.store import StoreError

st.set_page_config(page_title="newsqa", page_icon="📰", layout="wide")


@st.cache_resource(show_spinner="Loading the embedding model and the store…")
def get_engine(store: str) -> Engine:
    """One engine (embedder, Chroma client, keyword index) per store, shared by all sessions."""
    return Engine.open(load_settings(store=store))


def _settings() -> Settings:
    return load_settings()


# --------------------------------------------------------------------------------------------
def render_answer(ans: Answer, key: str) -> None:
    """An answer: text with [n] markers, then its sources with the cited sentence highlighted."""
    if ans.notice:
        st.info(ans.notice)
    if ans.refused:
        st.warning(ans.text, icon="🔎")
        if ans.closest:
            st.caption("Closest articles:")
            for p in ans.closest:
                st.markdown(f"- {escape_markdown(p.title)} — {escape_markdown(p.source or '')} "
                            f"{escape_markdown(p.date or '')}")
        return
    st.markdown(answer_markdown(ans.text))
    if ans.flagged:
        st.caption("Dropped as unsupported by the sources: " + escape_markdown(" / ".join(ans.flagged)))
    for c in ans.citations:
        with st.expander(f"[{c.n}] {c.title[:90]}", expanded=True):  # one quoted sentence each: show them
            st.markdown(source_line(c))
            st.markdown(passage_html(c), unsafe_allow_html=True)  # escaped in rag.present
            st.caption(f"Characters {c.span[0]}–{c.span[1]} of article {c.article_id}")


def sidebar(engine: Engine, settings: Settings) -> dict[str, Any]:
    """Answer settings, ingestion, corpus management. Returns the ask options."""
    sb = st.sidebar
    sb.title("newsqa")
    if sb.button("New conversation", use_container_width=True):
        st.session_state.messages = []
        st.session_state.history = []
    modes = ["extractive"] + (["generative"] if settings.generative_available else [])
    opts: dict[str, Any] = {"mode": sb.selectbox("Answer mode", modes), "k": sb.slider("Passages", 1, 10,
                                                                                       settings.top_k)}
    catalog = engine.catalog()
    with sb.expander("Filters"):
        where: dict[str, Any] = {"sources": st.multiselect("Outlet", catalog.outlets()),
                                 "langs": st.multiselect("Language", catalog.languages()),
                                 "people": st.multiselect("Person mentioned", catalog.people())}
        if st.checkbox("Filter by date"):
            d0, d1 = st.date_input("Published between", (date(2000, 1, 1), date.today()))
            where["date_from"], where["date_to"] = int(d0.strftime("%Y%m%d")), int(d1.strftime("%Y%m%d"))
        opts["where"] = {k: v for k, v in where.items() if v} or None
    sb.subheader("Add articles")
    changed = ingest_panel(engine, settings)
    changed = feeds_panel(engine, settings) or changed
    if changed:
        catalog = engine.catalog()
    sb.subheader(f"Corpus: {len(catalog)} articles, {engine.store.count()} passages")
    return opts


def ingest_panel(engine: Engine, settings: Settings) -> bool:
    """Upload files, fetch a URL, or paste text; show a per-item result. True if anything was tried."""
    sb = st.sidebar
    with sb.form("upload", clear_on_submit=True):
        files = st.file_uploader("Files (.txt, .md, .html, .jsonl)", accept_multiple_files=True,
                                 type=["txt", "md", "html", "htm", "jsonl"])
        url = st.text_input("…or a URL", placeholder="https://…")
        title = st.text_input("…or paste: title")
        text = st.text_area("Text", height=100)
        submitted = st.form_submit_button("Ingest", use_container_width=True)
    if not submitted:
        return False
    items: list[Any] = []
    if files and len(files) > settings.max_upload_files:
        sb.error(f"Too many files at once ({len(files)}; limit {settings.max_upload_files}).")
        return False
    for f in files or []:
        items.append(read_bytes(f.getvalue(), f.name, settings))
    if url.strip():
        items.append(read_input(url.strip(), settings))
    if text.strip() or title.strip():
        items.append(read_pasted(title.strip(), text, settings))
    if not items:
        sb.error("Nothing to ingest: choose files, give a URL or paste a text.")
        return False
    with sb.status("Ingesting…", expanded=True) as status:
        def progress(r: Any) -> None:
            status.write(f"{r.status}: {r.title[:60]}")

        report = engine.ingestor().ingest(itertools.chain.from_iterable(items), progress)
        status.update(label=f"Done: {report.summary()}", state="complete" if report.ok else "error")
    for r in report.results:
        if r.status == "failed":
            sb.error(f"{r.title[:60]}: {r.reason}")
        else:
            sb.success(f"{r.status}: {r.title[:60]}")
    return True


def feeds_panel(engine: Engine, settings: Settings) -> bool:
    """Feeds: subscribe (a feed or a home page announcing one), refresh all now with per-entry progress, and the
    list with last poll, status and counts, each removable (its articles stay). True if articles may have changed."""
    from ingest.feeds import FeedRegistry, PollResult, refresh, subscribe

    sb = st.sidebar
    registry = FeedRegistry(settings, engine.store.client)
    sb.subheader("Feeds")
    with sb.form("feed-add", clear_on_submit=True):
        url = st.text_input("Feed or site URL", placeholder="https://…/rss.xml", key="feed-url")
        add = st.form_submit_button("Subscribe", use_container_width=True)
    refresh_now = sb.button("Refresh feeds now", use_container_width=True, key="feed-refresh")
    results: list[PollResult] = []
    if (add and url.strip()) or refresh_now:
        with sb.status("Polling feeds…", expanded=True) as status:
            def progress(r: Any) -> None:
                status.write(f"{r.status}: {r.title[:60]}")

            ingestor = engine.ingestor()
            results = ([subscribe(url, ingestor, registry, progress)] if add and url.strip()
                       else refresh(ingestor, registry, progress))
            ok = all(r.ok for r in results)
            status.update(label=f"Feeds polled: {sum(r.report.count('added') for r in results)} new articles",
                          state="complete" if ok else "error")
        for r in results:
            (sb.success if r.ok else sb.error)(f"{r.feed.status}: {r.feed.title or r.feed.url}: {r.feed.message}")
    elif add:
        sb.error("Give a feed or site URL.")
    for sub in registry.all():
        cols = sb.columns([5, 1])
        cols[0].markdown(f"**{escape_markdown((sub.title or sub.url)[:60])}**  \n{escape_markdown(sub.status)} · "
                         f"polled {sub.last_poll[:16].replace('T', ' ') or 'never'} · {sub.articles} articles · "
                         f"{sub.entries} listed" + (f" · {sub.left} left" if sub.left else ""))
        if cols[1].button("✕", key=f"unfeed-{sub.url}", help=f"Unsubscribe from {sub.url} (its articles stay)"):
            registry.remove(sub.url)
            st.rerun()
    return bool(results)


PAGE_SIZE = 50  # rows per page of the corpus table: one screen


def corpus_table(engine: Engine) -> None:
    """The corpus as a searchable, sortable, paged table; selected articles deleted after a confirmation.

    Rows come from :meth:`Engine.catalog`, built once per state of the store: a keystroke searches and sorts
    in memory, never rescans Chroma.
    """
    catalog = engine.catalog()
    with st.expander(f"Corpus ({len(catalog)} articles)"):
        cols = st.columns([4, 2, 1, 1])
        text = cols[0].text_input("Search title, outlet, people", key="corpus-search")
        sort = cols[1].selectbox("Sort by", SORT_KEYS, key="corpus-sort")
        descending = cols[2].toggle("Descending", value=True, key="corpus-desc")
        page_no = cols[3].number_input("Page", min_value=1, value=1, step=1, key="corpus-page")
        page = catalog.query(text, sort, descending, int(page_no) - 1, PAGE_SIZE)
        st.caption(f"{page.total} matching · page {page.page + 1} of {page.pages}")
        if not page.rows:
            return
        st.dataframe([r.as_dict() for r in page.rows], hide_index=True, use_container_width=True)
        labels = {r.id: f"{r.title[:70]} · {r.outlet or '—'} · {r.date or 'undated'}" for r in page.rows}
        chosen = st.multiselect("Select articles to delete", list(labels), format_func=labels.__getitem__,
                                key="corpus-selected")
        if chosen and st.button(f"Delete {len(chosen)} selected…", key="corpus-delete"):
            st.session_state["corpus-confirm"] = list(chosen)
        pending = [a for a in st.session_state.get("corpus-confirm", []) if a in labels]
        if pending:
            st.warning(f"Delete {len(pending)} article(s) and all their passages? This cannot be undone.")
            yes, no = st.columns(2)
            if yes.button("Confirm delete", type="primary", key="corpus-confirm-yes"):
                for aid in pending:
                    engine.store.delete_article(aid)
                engine.store.sync_keyword()
                st.session_state.pop("corpus-confirm", None)
                st.session_state.pop("corpus-selected", None)
                st.rerun()
            if no.button("Cancel", key="corpus-confirm-no"):
                st.session_state.pop("corpus-confirm", None)
                st.rerun()


def who_is_quoted(engine: Engine, opts: dict[str, Any]) -> None:
    """The corpus's speakers (or those of the filtered set), and a chosen speaker's quotes with their sources."""
    with st.expander("Who is quoted"):
        engine.store.sync_keyword()
        rows = filter_rows(engine.store.keyword.quote_rows(), opts.get("where"))
        name = st.text_input("Speaker", placeholder="e.g. Kim", key="who-name")
        table = speaker_table(rows)
        if name.strip():
            wanted = set(speakers_matching(name.strip(), rows))
            table = [t for t in table if t["speaker"] in wanted]
        if not table:
            st.caption("No quotes found." if rows else "No quotes in the articles yet.")
            return
        st.dataframe(table[:200], hide_index=True, use_container_width=True)
        pick = st.selectbox("Show the quotes of", [t["speaker"] for t in table[:200]], key="who-pick")
        about = st.text_input("About (optional)", key="who-about")
        found = find_quotes(rows, engine.embedder, pick, about.strip() or None, limit=20)
        for f in found:
            st.markdown(quote_markdown(f.row))


def chat(engine: Engine, opts: dict[str, Any]) -> None:
    """The conversation: history, then the new question's answer."""
    st.session_state.setdefault("messages", [])
    st.session_state.setdefault("history", [])
    if engine.store.count() == 0:
        st.info("No articles yet. Add some from the sidebar (files, a URL or pasted text), or run "
                "`python -m ingest PATH_OR_URL` — then ask away.")
    for i, msg in enumerate(st.session_state.messages):
        with st.chat_message(msg["role"]):
            if msg["role"] == "user":
                st.markdown(escape_markdown(msg["content"]))
            else:
                render_answer(msg["answer"], f"m{i}")
    question = st.chat_input("Ask about the articles — e.g. What did Kim say about China?")
    if not question:
        return
    st.session_state.messages.append({"role": "user", "content": question})
    with st.chat_message("user"):
        st.markdown(escape_markdown(question))
    with st.chat_message("assistant"):
        ans = ask(engine, question, opts)
        render_answer(ans, "new")
    st.session_state.history.append(ans.resolved_question)
    st.session_state.messages.append({"role": "assistant", "answer": ans})


def ask(engine: Engine, question: str, opts: dict[str, Any]) -> Answer:
    """Answer one question; generative answers stream into the page as they come."""
    history = list(st.session_state.history)
    if opts["mode"] == "generative":
        tokens, finish = engine.ask_stream(question, history, opts["where"], opts["k"])
        st.write_stream(escape_markdown(t) for t in tokens)
        return finish()
    with st.spinner("Searching the articles…"):
        return engine.ask(question, history, opts["where"], opts["k"], mode="extractive")


def main() -> None:
    """Page entry point."""
    settings = _settings()
    try:
        engine = get_engine(str(settings.store))
        opts = sidebar(engine, settings)
        corpus_table(engine)
        who_is_quoted(engine, opts)
        chat(engine, opts)
    except StoreError as exc:
        get_engine.clear()
        st.error(f"The article store is unavailable: {exc}")
        st.button("Retry")
    except Exception as exc:  # store removed, Chroma server down: say so; the next run reconnects
        logging.getLogger("newsqa.app").exception("store failure")
        get_engine.clear()
        st.error(f"The article store is unavailable right now ({type(exc).__name__}). Your conversation is "
                 "kept; press Retry once the store or the Chroma server is back.")
        st.button("Retry")


main()
