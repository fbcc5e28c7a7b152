"""Follow-up questions: resolve "and what did he say about Russia?" against the conversation.

Rule-based on purpose (no LLM is needed offline): a follow-up is a question with a third-person
pronoun and no name of its own, or one that opens with "and"/"et"/"what about". Its pronoun is
replaced by the subject of the previous question (the speaker of a "what did X say" question, else
its first name-like phrase); an elliptical "what about Russia?" takes the previous question's frame.
"""

from __future__ import annotations

import re

_SPEAKER = re.compile(
    r"(?:what|how)\s+(?:did|does|has|have|do)\s+(?P<en>.+?)\s+(?:say|said|tell|told|think|declare|announce)"
    r"|qu['’]\s*(?:a|ont)\s*(?:-t-)?\s*(?:dit|déclaré|annoncé|affirmé)\s+(?P<fr>.+?)(?=\s+(?:au sujet|sur|à propos|"
    r"concernant|de|du|des)\b|\s*\?|$)"
    r"|que\s+(?:dit|pense|déclare)\s+(?P<fr2>.+?)(?=\s+(?:au sujet|sur|à propos|concernant|de|du|des)\b|\s*\?|$)",
    re.IGNORECASE,
)
_PRONOUN_EN = re.compile(r"\b(he|she|they|him|her|them|it)\b", re.IGNORECASE)
_PRONOUN_FR = re.compile(r"-(?:t-)?(il|elle|ils|elles)\b|\b(il|elle|ils|elles|lui)\b", re.IGNORECASE)
_ELLIPSIS = re.compile(r"^\s*(?:what about|how about|and about|and on|et qu['’]en est-il de|et pour|et sur|"
                       r"et à propos de|et concernant|and|et)\b",
                       re.IGNORECASE)
_TOPIC = re.compile(r"\b(?:about|on|regarding|au sujet de|sur|à propos de|concernant)\b",
                    re.IGNORECASE)
_NAME = re.compile(r"\b([A-ZÀ-Þ][\w'’-]+(?:\s+(?:[A-ZÀ-Þ][\w'’-]+|de|du|von|van|bin))*)")
_QUESTION_WORDS = {"What", "Who", "When", "Where", "Why", "How", "Which", "Did", "Does", "Qui", "Que", "Quoi",
                   "Quand", "Où", "Pourquoi", "Comment", "Quel", "Quelle", "Quels", "Quelles", "Qu", "Est",
                   "And", "Et", "According", "Selon", "Is", "Are", "Was", "Were", "Has", "Have"}


def speaker(question: str) -> str | None:
    """X in "what did X say ..." / "qu'a dit X ..." (None when the question is not of that form)."""
    m = _SPEAKER.search(question)
    if not m:
        return None
    name = (m.group("en") or m.group("fr") or m.group("fr2") or "").strip(" ?,")
    return name or None


def names(question: str) -> list[str]:
    """Name-like phrases (capitalised word runs) other than question words."""
    out = []
    for m in _NAME.finditer(question):
        words = [w for w in m.group(1).split() if w not in _QUESTION_WORDS]
        if words:
            out.append(" ".join(words))
    return out


def resolve(question: str, history: list[str]) -> str:
    """Return ``question`` made self-contained using the previous (already resolved) questions."""
    if not history:
        return question
    previous = history[-1]
    subject = speaker(previous) or next(iter(names(previous)), None)
    if not subject:
        return question
    own_speaker = speaker(question)
    if _has_pronoun(question) and (own_speaker is None or _has_pronoun(own_speaker)):
        replaced = _replace_pronoun(question, subject)
        if replaced != question:
            return replaced
    ellipsis = _ELLIPSIS.match(question)
    if ellipsis and subject not in question:
        topic = question[ellipsis.end():].strip(" ?")
        frame = _TOPIC.search(previous)
        if frame and topic and not _has_pronoun(question):
            return f"{previous[:frame.end()]} {topic}?"
        return f"{question.rstrip(' ?')} ({subject})?"
    return question


def _has_pronoun(question: str) -> bool:
    return bool(_PRONOUN_EN.search(question) or _PRONOUN_FR.search(question))


def _replace_pronoun(question: str, subject: str) -> str:
    fr = _PRONOUN_FR.search(question)
    if fr and fr.group(0).startswith("-"):  # "qu'a-t-il dit" -> "qu'a dit Kim"
        return question[:fr.start()] + question[fr.end():].replace(" dit", f" dit {subject}", 1) \
            if " dit" in question[fr.end():] else question[:fr.start()] + f" {subject}" + question[fr.end():]
    m = _PRONOUN_EN.search(question) or fr
    if not m:
        return question
    return question[:m.start()] + subject + question[m.end():]
