"""A request that opens a question ("List ...", "Tell me about ...", "Give an overview of ..."):
how to answer, not what about.

Covers: the question without its opening request, to search and weigh evidence by, and the
noun a request asks for ("List the tech companies ..." -> tech companies, plural).

Does not decide the question's form (rag/question/form.py does, with what this finds).
"""

from __future__ import annotations

import re

from ..language.phrases import parse

# A request that opens a question ("List ...", "Tell me about ...", "Give an overview of ..."):
# how to answer, not what about.
_REQUEST = re.compile(
    r"^\s*(?:please\s+)?(?:list|name|enumerate|identify|describe|explain|summari[sz]e|outline|tell\s+me(?:\s+about)?"
    r"|give\s+(?:me\s+)?(?:an?\s+)?(?:overview|summary|account)\s+of)\b[\s:,]*",
    re.IGNORECASE,
)


def without_request(question: str) -> str:
    """The question without an opening request ("List the companies ..." -> "the companies
    ..."): what it asks about, to search and weigh evidence by; the question itself when it
    has no such opening or nothing follows it."""
    rest = _REQUEST.sub("", question, count=1)
    return rest if rest.strip(" .?!") else question


def request_object(question: str) -> tuple[tuple[str, ...], bool] | None:
    """The noun a request asks for, with its modifiers, and whether it is plural: "List the
    tech companies whose ..." -> (("tech", "companies"), True); None where the parser finds none."""
    doc = parse(question)
    obj = next((t for t in doc if t.dep_ == "dobj" and t.head.i == 0), None)
    if obj is None:
        return None
    words = [t.lower_ for t in obj.lefts if t.dep_ in ("compound", "amod", "nmod")] + [obj.lower_]
    return tuple(words), obj.tag_ in ("NNS", "NNPS")
