"""Thai word segmentation (ตัดคำ): Thai is written without spaces between words, so a word
inside a name or note is found only after segmenting. PyThaiNLP's dictionary-based ``newmm``
engine ships its dictionary inside the package: nothing is downloaded at run time."""

from __future__ import annotations

from functools import lru_cache

from samphan.core.thai.names import clean_text


@lru_cache(maxsize=20_000)
def thai_words(text: str) -> tuple[str, ...]:
    """``"สมหญิง ใจดีมาก"`` → ``("สม", "หญิง", "ใจ", "ดี", "มาก")`` (lower-cased, no spaces)."""
    from pythainlp.tokenize import word_tokenize

    cleaned = clean_text(text).lower()
    if not cleaned:
        return ()
    return tuple(
        w for w in word_tokenize(cleaned, engine="newmm", keep_whitespace=False) if w.strip()
    )


def match_rank(query: str, *texts: str) -> int:
    """How well ``query`` matches a name: 3 whole field, 2 whole words, 1 prefix, 0 inside."""
    q = clean_text(query).lower()
    fields = [clean_text(t).lower() for t in texts if t]
    if any(q == f for f in fields):
        return 3
    q_words = thai_words(q)
    for field in fields:
        words = thai_words(field)
        n = len(q_words)
        if n and any(words[i : i + n] == q_words for i in range(len(words) - n + 1)):
            return 2
    if any(f.startswith(q) for f in fields):
        return 1
    return 0
