"""Near-duplicate articles grouped into stories: MinHash signatures, LSH candidates, a confirmation step.

A wire story is republished with small edits: a new headline, an outlet's dateline and copyright
lines, a paragraph added or cut, sentences moved. Each article body becomes a set of word shingles
(folded words, ``k`` in a row); a MinHash of that set (datasketch) is its *signature*, small enough to
live in Chroma metadata as a string (:meth:`Signature.to_str`). An LSH index over the signatures
proposes candidates cheaply; a candidate is *confirmed* when the containment of the smaller article in
the larger one (estimated from the MinHash Jaccard and the exact shingle counts, taken at a lower
confidence bound) reaches a threshold. Containment is never below Jaccard, so it covers equal-size edits,
and it also catches "the same dispatch plus a paragraph of background" or "the dispatch cut short": the
shorter text sits almost whole inside the longer one while their Jaccard similarity is diluted.

A story is a connected component of confirmed pairs, named by its earliest article (date, then id).
Components depend only on which pairs are confirmed, and a pair's verdict depends only on the two
signatures, so rebuilding an index from stored signatures in any order (:meth:`StoryIndex.from_records`)
gives the same stories. Adding an article can merge stories and removing one can split a story; both
report the articles whose story id changed so that the caller can rewrite what it stored.

Every default below was chosen on the fit split of ``python -m ingest.stories_eval`` (see that module
for the labelled set and the sweep); the figures quoted are from that command.
"""

from __future__ import annotations

import base64
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
from datasketch import LeanMinHash, MinHash, MinHashLSH

from rag.text import fold

# Bumped whenever the shingling, the hash or the permutations change: signatures of another version are
# not comparable and must be recomputed from the text.
VERSION = "s1"
# The permutation scheme and seed are spelled out rather than left to datasketch's defaults, because
# stored signatures must stay comparable across datasketch upgrades (tests pin a known signature).
_SCHEME = "affine32"
_SEED = 1

# Chosen by the sweep on the fit split (python -m ingest.stories_eval, three draws of copies): 4-word
# shingles, 256 permutations, LSH at Jaccard 0.15, confirmed containment >= 0.60: fit precision 1.000
# (worst draw), recall 0.995 (mean). Precision stays 1.000 down to 0.40 (0.35 merges two distinct
# articles); the highest threshold within 0.01 of the best recall keeps the margin on the precision side
# (0.65 falls to recall 0.974). 128 permutations: clean only from 0.50 up, recall 0.992 at 0.60.
SHINGLE = 4
NUM_PERM = 256
LSH_THRESHOLD = 0.15
CONTAINMENT_MIN = 0.6
# The confirmation uses a one-sided 95% lower bound of the Jaccard estimate (a statistical convention,
# not fitted): converted to containment, the estimate's noise is multiplied by the size ratio, and without
# the bound a pair with Jaccard 0.09 and true containment 0.48 came out at 0.65 (stories_eval, k=4, 256 perms).
CONFIDENCE_Z = 1.645

_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class StoryParams:
    """How signatures are made and when two of them are the same story.

    ``lsh_threshold`` only decides which pairs are looked at (lower: more candidates, slower, never less
    precise); ``containment`` and ``z`` decide which candidates are confirmed.
    """

    shingle: int = SHINGLE
    num_perm: int = NUM_PERM
    lsh_threshold: float = LSH_THRESHOLD
    containment: float = CONTAINMENT_MIN
    z: float = CONFIDENCE_Z


DEFAULT = StoryParams()


def shingles(text: str, k: int = SHINGLE) -> set[str]:
    """The distinct ``k``-word shingles of ``text`` after folding (lowercase, no accents, no punctuation).

    Folding makes a copy that only changed case, accents or punctuation identical to its original. A text
    shorter than ``k`` words is one shingle; an empty text has none.
    """
    words = _WORD.findall(fold(text))
    if not words:
        return set()
    if len(words) < k:
        return {" ".join(words)}
    return {" ".join(words[i:i + k]) for i in range(len(words) - k + 1)}


@dataclass(frozen=True)
class Signature:
    """A MinHash of an article's shingles plus how many distinct shingles it had.

    The size is exact (counted, not estimated); with it the Jaccard estimate converts into containment.
    ``values`` holds ``num_perm`` little-endian uint32 hash values.
    """

    shingle: int
    size: int
    values: bytes = field(repr=False)

    @property
    def num_perm(self) -> int:
        """Number of hash values (permutations) in the signature."""
        return len(self.values) // 4

    def array(self) -> np.ndarray:
        """The hash values as a uint64 array (datasketch's representation)."""
        return np.frombuffer(self.values, dtype="<u4").astype(np.uint64)

    def to_str(self) -> str:
        """Compact text form for a metadata field: ``s1.<k>.<size>.<base64 of the hash values>``."""
        packed = base64.urlsafe_b64encode(self.values).decode("ascii").rstrip("=")
        return f"{VERSION}.{self.shingle}.{self.size}.{packed}"

    @classmethod
    def from_str(cls, text: str) -> Signature:
        """Parse :meth:`to_str` output; ``ValueError`` for another version or a damaged string."""
        parts = text.split(".")
        if len(parts) != 4 or parts[0] != VERSION:
            raise ValueError(f"not a {VERSION} story signature: {text[:40]!r}")
        try:
            shingle, size = int(parts[1]), int(parts[2])
            values = base64.urlsafe_b64decode(parts[3] + "=" * (-len(parts[3]) % 4))
        except (ValueError, TypeError) as exc:
            raise ValueError(f"damaged story signature: {text[:40]!r}") from exc
        if shingle < 1 or size < 0 or not values or len(values) % 4:
            raise ValueError(f"damaged story signature: {text[:40]!r}")
        return cls(shingle, size, values)

    def jaccard(self, other: Signature, z: float = 0.0) -> float:
        """Estimated Jaccard similarity of the two shingle sets (share of equal hash values).

        With ``z`` > 0, the lower confidence bound ``J - z * sqrt(J(1-J)/num_perm)`` instead (not below 0).
        """
        if self.size == 0 or other.size == 0:
            return 0.0
        a = np.frombuffer(self.values, dtype="<u4")
        b = np.frombuffer(other.values, dtype="<u4")
        j = float(np.count_nonzero(a == b)) / len(a)
        return max(0.0, j - z * math.sqrt(j * (1.0 - j) / len(a))) if z else j

    def containment(self, other: Signature, z: float = 0.0) -> float:
        """Estimated share of the smaller shingle set found in the larger one.

        From |A∩B| = J(|A|+|B|)/(1+J), with the exact sizes and :meth:`jaccard` (its lower bound for
        ``z`` > 0); capped at 1.
        """
        j = self.jaccard(other, z)
        if j == 0.0:
            return 0.0
        common = j * (self.size + other.size) / (1.0 + j)
        return min(1.0, common / min(self.size, other.size))


def signature(text: str, shingle: int = SHINGLE, num_perm: int = NUM_PERM) -> Signature:
    """The story signature of an article body (deterministic: the same text always gives the same one)."""
    grams = shingles(text, shingle)
    mh = MinHash(num_perm=num_perm, seed=_SEED, scheme=_SCHEME)
    if grams:
        mh.update_batch([g.encode("utf-8") for g in sorted(grams)])
    return Signature(shingle, len(grams), mh.hashvalues.astype("<u4").tobytes())


def same_story(a: Signature, b: Signature, params: StoryParams = DEFAULT) -> bool:
    """The confirmation step: is a candidate pair the same article, possibly edited?

    One score, the containment of the smaller article in the larger: it is never below their Jaccard
    similarity, so it covers the equal-size edits a Jaccard test would, plus added paragraphs. (The
    sweep also tried "Jaccard or containment" with two thresholds: no better on the fit split, and the
    choice between two overlapping thresholds was not well posed.)
    """
    if a.size == 0 or b.size == 0:
        return False
    return a.containment(b, params.z) >= params.containment


@dataclass(frozen=True)
class Placement:
    """Where an added article went: its story, and other articles whose story id changed (merges)."""

    story_id: str
    relabelled: Mapping[str, str]


def _date_key(date: str | None, article_id: str) -> tuple[str, str]:
    # Undated articles sort after every dated one; ISO dates sort as text.
    return (date or "~", article_id)


class StoryIndex:
    """Articles grouped into stories, updated one article at a time, rebuilt from stored signatures."""

    def __init__(self, params: StoryParams = DEFAULT) -> None:
        """An empty index; ``params`` must match the signatures given to it (shingle size, num_perm)."""
        self.params = params
        self._lsh = MinHashLSH(threshold=params.lsh_threshold, num_perm=params.num_perm)
        self._sigs: dict[str, Signature] = {}
        self._dates: dict[str, str | None] = {}
        self._edges: dict[str, set[str]] = {}
        self._story: dict[str, str] = {}

    @classmethod
    def from_records(cls, records: Iterable[tuple[str, Signature | str, str | None]],
                     params: StoryParams = DEFAULT) -> StoryIndex:
        """Rebuild from ``(article_id, signature, date)`` records, e.g. read back from the store."""
        index = cls(params)
        for article_id, sig, date in records:
            index.add(article_id, sig, date)
        return index

    def __len__(self) -> int:
        return len(self._sigs)

    def __contains__(self, article_id: object) -> bool:
        return article_id in self._sigs

    def _coerce(self, sig: Signature | str) -> Signature:
        s = Signature.from_str(sig) if isinstance(sig, str) else sig
        if s.shingle != self.params.shingle or s.num_perm != self.params.num_perm:
            raise ValueError(f"signature made with shingle={s.shingle}, num_perm={s.num_perm}; this index uses "
                             f"shingle={self.params.shingle}, num_perm={self.params.num_perm}: recompute it")
        return s

    def _minhash(self, sig: Signature) -> LeanMinHash:
        return LeanMinHash(seed=_SEED, hashvalues=sig.array(), scheme=_SCHEME)

    def candidates(self, article_id: str) -> set[str]:
        """Indexed articles sharing an LSH band with ``article_id`` (before confirmation)."""
        found = self._lsh.query(self._minhash(self._sigs[article_id]))
        return {str(k) for k in found} - {article_id}

    def add(self, article_id: str, sig: Signature | str, date: str | None = None) -> str:
        """Index an article and return its story id (see :meth:`place` for the ids a merge changed)."""
        return self.place(article_id, sig, date).story_id

    def place(self, article_id: str, sig: Signature | str, date: str | None = None) -> Placement:
        """Index an article; re-adding an id with the same signature and date changes nothing.

        Re-adding it with a new signature (an updated article) replaces the old entry.
        """
        s = self._coerce(sig)
        changed: dict[str, str] = {}
        if article_id in self._sigs:
            if self._sigs[article_id] == s and self._dates[article_id] == date:
                return Placement(self._story[article_id], {})
            changed.update(self.remove(article_id))
        self._sigs[article_id] = s
        self._dates[article_id] = date
        self._edges[article_id] = set()
        if s.size:
            mh = self._minhash(s)
            for other in self._lsh.query(mh):
                if same_story(s, self._sigs[other], self.params):
                    self._edges[article_id].add(other)
                    self._edges[other].add(article_id)
            self._lsh.insert(article_id, mh)
        changed.update(self._relabel(self._component(article_id)))
        changed.pop(article_id, None)
        return Placement(self._story[article_id], changed)

    def remove(self, article_id: str) -> dict[str, str]:
        """Drop an article; returns ``{article_id: new story id}`` for the articles whose story changed."""
        if article_id not in self._sigs:
            return {}
        if self._sigs[article_id].size:
            self._lsh.remove(article_id)
        neighbours = self._edges.pop(article_id)
        for other in neighbours:
            self._edges[other].discard(article_id)
        del self._sigs[article_id], self._dates[article_id], self._story[article_id]
        changed: dict[str, str] = {}
        seen: set[str] = set()
        for other in sorted(neighbours):
            if other not in seen:
                members = self._component(other)
                seen |= members
                changed.update(self._relabel(members))
        return changed

    def story_of(self, article_id: str) -> str:
        """The story id of an indexed article (``KeyError`` if it is not indexed)."""
        return self._story[article_id]

    def members(self, story_id: str) -> list[str]:
        """Articles of a story, earliest first."""
        ids = [a for a, s in self._story.items() if s == story_id]
        return sorted(ids, key=lambda a: _date_key(self._dates[a], a))

    def stories(self) -> dict[str, list[str]]:
        """Every story with its articles, earliest first."""
        out: dict[str, list[str]] = {}
        for a in sorted(self._story, key=lambda a: _date_key(self._dates[a], a)):
            out.setdefault(self._story[a], []).append(a)
        return out

    def _component(self, start: str) -> set[str]:
        members, todo = {start}, [start]
        while todo:
            for nxt in self._edges[todo.pop()]:
                if nxt not in members:
                    members.add(nxt)
                    todo.append(nxt)
        return members

    def _relabel(self, members: set[str]) -> dict[str, str]:
        story = min(members, key=lambda a: _date_key(self._dates[a], a))
        changed = {a: story for a in members if self._story.get(a) != story}
        self._story.update(changed)
        return changed
