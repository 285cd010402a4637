"""Pure measuring functions: is a gold answer in a text, SQuAD EM/F1, ranking metrics.

Covers:
- answer matching: `strip_markers` (citation markers out of an answer text),
  `normalise` (case, accents, spaces), `holds` (a gold string, or every item
  of a gold list, as whole words), `yes_no` (the verdict an answer opens with),
  `answer_correct` (the strict rule `rag eval` scores with) and
  `contains_answer` (the looser evidence rule: text or quotes);
- SQuAD-style `exact_match` and `token_f1`, as in the official SQuAD 2.0
  script (an empty gold list means unanswerable: only an empty prediction
  scores 1);
- ranking over source IDs (`unique_ids`, `ndcg_at_k`, `recall_at_k`,
  `hit_at_k`, `mrr`) and `percentile`, `ratio`, `mean`.

Does not read files, know about `Answer` objects or verdicts (rag.measure.scoring
does), or judge meaning: everything here is string and list arithmetic.
"""

from __future__ import annotations

import math
import re
import string
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence

# Typographic variants NFKD leaves alone but a gold string is unlikely to use.
_PUNCT = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-"})
# A bracket holding only identifier-like tokens: "[1]", "[1, 2]", "[000_4936306f03138f57]".
_MARKER = re.compile(r"\[\s*[\w.:/#-]+(?:\s*[,;]\s*[\w.:/#-]+)*\s*\]")
# Where a gold list splits into items: commas, semicolons, "and", "&" (", and" too).
_ITEM_SEP = re.compile(r"\s*[,;]\s*(?:(?:and|&)\s+)?|\s+(?:and|&)\s+")
YES_NO = ("yes", "no")

# ---------------------------------------------------------------- answer matching


def normalise(text: str) -> str:
    """Lower case, no accents (NFKD minus combining marks), single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_PUNCT))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())


def strip_markers(text: str) -> str:
    """The answer text without bracketed citation markers or bracketed source IDs."""
    return " ".join(_MARKER.sub(" ", text).split())


def _word_pattern(needle: str) -> re.Pattern[str]:
    # Alphanumeric edges must be word edges; a digit edge must not continue a number ("10" in "1,100" or "10.5").
    pattern = re.escape(needle)
    if needle[0].isalnum():
        pattern = r"(?<!\w)" + (r"(?<!\d[.,])" if needle[0].isdigit() else "") + pattern
    if needle[-1].isalnum():
        pattern += r"(?!\w)" + (r"(?![.,]\d)" if needle[-1].isdigit() else "")
    return re.compile(pattern)


def list_items(gold: str) -> list[str]:
    """The items of a gold list ("Denmark, Iceland and Norway" -> 3), or [] if it is not a list."""
    items = [i for i in _ITEM_SEP.split(normalise(gold)) if i]
    return items if len(items) > 1 else []


def holds(texts: str | Iterable[str], gold: str) -> bool:
    """Whether the texts hold the gold string as whole words, or hold every item of a gold list.

    With several texts, the whole string must sit in one of them; list items may be spread.
    """
    haystacks = [normalise(texts)] if isinstance(texts, str) else [normalise(t) for t in texts]
    needle = normalise(gold).strip(" ,.;:")  # a gold copied with its sentence's comma or full stop
    if not needle:
        return False
    if any(_word_pattern(needle).search(h) for h in haystacks):
        return True
    items = list_items(gold)
    return bool(items) and all(any(_word_pattern(i).search(h) for h in haystacks) for i in items)


def yes_no(text: str) -> str | None:
    """ "yes" or "no" when the text's first word (after markers, quotes, punctuation) is one of them."""
    match = re.match(r"\W*(\w+)", normalise(strip_markers(text)))
    word = match.group(1) if match else None
    return word if word in YES_NO else None


def is_yes_no(gold: str) -> bool:
    return normalise(gold) in YES_NO


def answer_correct(text: str, answers: Iterable[str]) -> bool:
    """The strict rule: the answer text itself (markers stripped) gives a gold answer.

    A yes/no gold needs the text to open with that word; any other gold must be
    held by the text as whole words, or, for a list, every item of it.
    """
    text = strip_markers(text)
    verdict = yes_no(text)
    return any(normalise(g) == verdict if is_yes_no(g) else holds(text, g) for g in answers if normalise(g))


def contains_answer(texts: str | Iterable[str], answers: Iterable[str]) -> bool:
    """Whether any non-empty gold answer is held (see `holds`) by the texts; markers are stripped."""
    texts = [texts] if isinstance(texts, str) else list(texts)
    cleaned = [strip_markers(t) for t in texts]
    return any(holds(cleaned, g) for g in answers)


# ---------------------------------------------------------------- SQuAD EM / F1


def squad_normalise(text: str) -> str:
    """The official SQuAD normalisation: lower case, no punctuation, no a/an/the, single spaces."""
    text = "".join(ch for ch in text.lower() if ch not in string.punctuation)
    return " ".join(re.sub(r"\b(a|an|the)\b", " ", text).split())


def _golds(answers: Iterable[str]) -> list[str]:
    # As the official script: no usable gold string means unanswerable, scored against "".
    return [a for a in answers if squad_normalise(a)] or [""]


def exact_match(prediction: str, answers: Iterable[str]) -> float:
    """1.0 if the normalised prediction equals a normalised gold answer (max over golds), else 0.0."""
    pred = squad_normalise(prediction)
    return float(any(pred == squad_normalise(g) for g in _golds(answers)))


def _f1(prediction: str, gold: str) -> float:
    pred_toks, gold_toks = squad_normalise(prediction).split(), squad_normalise(gold).split()
    if not pred_toks or not gold_toks:
        return float(pred_toks == gold_toks)
    same = sum((Counter(pred_toks) & Counter(gold_toks)).values())
    if same == 0:
        return 0.0
    precision, recall = same / len(pred_toks), same / len(gold_toks)
    return 2 * precision * recall / (precision + recall)


def token_f1(prediction: str, answers: Iterable[str]) -> float:
    """Token-overlap F1 after `squad_normalise`, the best over the gold answers."""
    return max(_f1(prediction, g) for g in _golds(answers))


# ---------------------------------------------------------------- ranking


def unique_ids(ranked_ids: Iterable[str]) -> list[str]:
    """The IDs in order of first appearance: each source keeps its best rank."""
    return list(dict.fromkeys(ranked_ids))


def ndcg_at_k(ranked_ids: Sequence[str], relevant: Iterable[str], k: int = 10) -> float:
    """Binary-relevance nDCG@k; the ideal ranking puts all relevant IDs first. 0.0 if none are relevant."""
    relevant = set(relevant)
    if not relevant:
        return 0.0
    ranked = unique_ids(ranked_ids)[:k]
    dcg = sum(1.0 / math.log2(i + 2) for i, sid in enumerate(ranked) if sid in relevant)
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(len(relevant), k)))
    return dcg / ideal


def recall_at_k(ranked_ids: Sequence[str], relevant: Iterable[str], k: int) -> float:
    """Share of the relevant IDs among the first k distinct IDs. 0.0 if none are relevant."""
    relevant = set(relevant)
    if not relevant:
        return 0.0
    return len(relevant.intersection(unique_ids(ranked_ids)[:k])) / len(relevant)


def hit_at_k(ranked_ids: Sequence[str], relevant: Iterable[str], k: int) -> float:
    """1.0 if any relevant ID is among the first k distinct IDs, else 0.0."""
    return 1.0 if set(relevant).intersection(unique_ids(ranked_ids)[:k]) else 0.0


def mrr(ranked_ids: Sequence[str], relevant: Iterable[str]) -> float:
    """Reciprocal rank of the first relevant distinct ID, 0.0 if there is none."""
    relevant = set(relevant)
    for i, sid in enumerate(unique_ids(ranked_ids), start=1):
        if sid in relevant:
            return 1.0 / i
    return 0.0


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0-100) by linear interpolation, None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    lo = math.floor(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def ratio(num: float, den: float) -> float | None:
    """num / den, None for an empty denominator."""
    return num / den if den else None


def mean(values: Sequence[float]) -> float | None:
    """The mean, None for no values."""
    return sum(values) / len(values) if values else None
