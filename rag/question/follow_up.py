"""A follow-up question made searchable on its own, from the conversation before it.

Covers: adding the names of the previous question to one that leans on it ("When did he meet
him?"), so retrieval and evidence scoring know who is meant.

Does not resolve pronouns grammatically or rewrite the question; a question that stands on its
own is returned as it is.
"""

from __future__ import annotations

import re

_PRONOUNS = re.compile(r"\b(he|she|it|they|him|her|them|his|hers|its|their|this|that|there|these|those)\b", re.I)


def standalone_question(question: str, history: list) -> str:
    """A follow-up made searchable on its own.

    When the question leans on an earlier turn ("When did he meet him?"), the
    names from the previous question are added to it, so retrieval and
    evidence scoring know who "he" is without being pulled to the old question.
    """
    previous = [
        turn.get("content", "") if isinstance(turn, dict) else str(turn[0])
        for turn in history
        if (isinstance(turn, dict) and turn.get("role") == "user") or isinstance(turn, list | tuple)
    ]
    previous = [p for p in previous if isinstance(p, str) and p.strip()]
    if not previous or not (_PRONOUNS.search(question) or len(question.split()) <= 4):
        return question
    names = [w for w in re.findall(r"(?<!^)\b[A-Z][\w'’-]+", previous[-1].strip()) if w.lower() not in question.lower()]
    context = " ".join(dict.fromkeys(names)) or previous[-1].strip()
    return f"{question} ({context})"
