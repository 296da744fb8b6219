"""Thai word segmentation (PyThaiNLP ``newmm``, its bundled dictionary) and keyword counts.

PyThaiNLP is told never to touch the network or write a data directory: everything used here
(the word list, the stopwords) ships inside the package. ``PYTHAINLP_OFFLINE`` makes a missing
corpus an error instead of a download, ``PYTHAINLP_READ_ONLY`` stops it creating
``~/pythainlp-data``. Both are set before PyThaiNLP is imported.
"""

from __future__ import annotations

import functools
import os
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

os.environ.setdefault("PYTHAINLP_OFFLINE", "1")
os.environ.setdefault("PYTHAINLP_READ_ONLY", "1")

from pythainlp.corpus import thai_stopwords
from pythainlp.corpus.common import thai_words
from pythainlp.tokenize import word_tokenize
from pythainlp.util import Trie, dict_trie

# Thai letters, vowels and tone marks repeated for emphasis ("ดีมากกกก", "ช้าาาา"): three or
# more of the same character are one. Two stay: real words have doubled letters ("นกกระจอก").
_REPEATED = re.compile(r"([\u0E01-\u0E4E])\1{2,}")
# ๆ (mai yamok) typed several times, or "ๆ ๆ".
_YAMOK = re.compile(r"ๆ(?:\s*ๆ)+")
# Laughter: 555, 5555+ (ห้า = "ha").
_LAUGH = re.compile(r"(?<!\d)5{3,}\+*(?!\d)")
# Emoji and pictographs (the common blocks) and the heart suits.
EMOJI = re.compile(
    "[\U0001f300-\U0001faff\u2600-\u27bf\u2b50\u2b55\u2764\u2665\u2639\u263a]\ufe0f?"
)
_SPACE = re.compile(r"\s+")
_PUNCT_OR_NUMBER = re.compile(r"^[\W\d_]+$")
LAUGH_TOKEN = "555"


@dataclass(frozen=True)
class Normalised:
    text: str
    # Tokens whose letters were stretched ("มากกก"): their sentiment counts a little more.
    stretched: frozenset[str]
    emoji: tuple[str, ...]
    laughs: int


def normalise(text: str) -> Normalised:
    """NFC, emoji taken out (scored on their own), stretched letters shortened, laughter
    counted, whitespace collapsed."""
    text = unicodedata.normalize("NFC", text or "").casefold()
    emoji = tuple(m.group(0).rstrip("\ufe0f") for m in EMOJI.finditer(text))
    text = EMOJI.sub(" ", text)
    laughs = len(_LAUGH.findall(text))
    text = _LAUGH.sub(" ", text)
    stretched: set[str] = set()
    for match in re.finditer(r"[\u0E01-\u0E4E]*([\u0E01-\u0E4E])\1{2,}[\u0E01-\u0E4E]*", text):
        stretched.add(_REPEATED.sub(r"\1", match.group(0)))
    text = _REPEATED.sub(r"\1", text)
    text = _YAMOK.sub("ๆ", text)
    text = _SPACE.sub(" ", text).strip()
    return Normalised(text=text, stretched=frozenset(stretched), emoji=emoji, laughs=laughs)


def key_form(text: str) -> str:
    """The text as the shop's labels know it: the same up to case, spacing and stretched
    letters (emoji and numbers kept)."""
    text = unicodedata.normalize("NFC", text or "").casefold()
    text = _YAMOK.sub("ๆ", _REPEATED.sub(r"\1", text))
    return _SPACE.sub(" ", text).strip()


_extra_words: set[str] = set()
_split_ends: set[str] = set()
_split_starts: set[str] = set()


def add_words(
    words: Iterable[str], *, split_ends: Iterable[str] = (), split_starts: Iterable[str] = ()
) -> None:
    """Words and phrases the segmenter keeps whole (the sentiment lexicon's words and phrases).
    Dictionary words that end with one of ``split_ends`` ("ดีมาก", "…มาก") or start with one of
    ``split_starts`` ("ไม่…") and are not among ``words`` are dropped from the dictionary, so
    the intensifier or negator stands apart. Call at import time, before the first ``words``."""
    _extra_words.update(w for w in words if w and " " not in w)
    _split_ends.update(split_ends)
    _split_starts.update(split_starts)
    _trie.cache_clear()
    _small_trie.cache_clear()
    _compound.cache_clear()


def _splittable(word: str) -> bool:
    if word in _extra_words:
        return False
    return any(word.endswith(e) and word != e for e in _split_ends) or any(
        word.startswith(s) and word != s for s in _split_starts
    )


def _with_lexicon() -> None:
    """The sentiment lexicon registers its words when imported: make sure it is, whoever
    segments first (the classifier must split texts as the scorer does)."""
    import samphan.text.sentiment  # noqa: F401


@functools.lru_cache(maxsize=1)
def _trie() -> Trie:
    _with_lexicon()
    base = {w for w in thai_words() if not _splittable(w)}
    return dict_trie(base | _extra_words)


@functools.lru_cache(maxsize=1)
def _small_trie() -> Trie:
    _with_lexicon()
    return dict_trie(_extra_words)


@functools.lru_cache(maxsize=1)
def _dictionary() -> frozenset[str]:
    _with_lexicon()
    return frozenset(thai_words()) | frozenset(_extra_words)


@functools.lru_cache(maxsize=4096)
def _compound(token: str) -> tuple[str, ...]:
    """A dictionary compound made of a known word and others ("ส่งช้า" → "ส่ง", "ช้า"), or the
    token alone. Every piece must be a dictionary word of two letters or more."""
    if len(token) < 3 or token in _extra_words:
        return (token,)
    pieces = word_tokenize(token, custom_dict=_small_trie(), engine="newmm")
    if len(pieces) < 2 or not any(p in _extra_words for p in pieces):
        return (token,)
    if all(len(p) >= 2 and p in _dictionary() for p in pieces):
        return tuple(pieces)
    return (token,)


@functools.lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    return frozenset(thai_stopwords())


def words(text: str) -> list[str]:
    """The words of already-normalised ``text`` (no whitespace tokens)."""
    if not text:
        return []
    return [t for t in word_tokenize(text, custom_dict=_trie(), engine="newmm") if t.strip()]


def words_with_spaces(text: str) -> list[str]:
    """The words of already-normalised ``text``, with the spaces between clauses as ``" "``."""
    if not text:
        return []
    out: list[str] = []
    for t in word_tokenize(text, custom_dict=_trie(), engine="newmm"):
        out.extend(_compound(t) if t.strip() else (" ",))
    return out


def tokens(text: str) -> list[str]:
    """Normalise then segment: the tokenizer the shop's own classifier is trained with."""
    norm = normalise(text)
    out = words(norm.text)
    out += list(norm.emoji)
    out += [LAUGH_TOKEN] * norm.laughs
    return out


def is_keyword(token: str) -> bool:
    """A content word: not a stopword, punctuation, a number, or a lone character."""
    if len(token) < 2 or _PUNCT_OR_NUMBER.match(token):
        return False
    if token == "ๆ" or EMOJI.fullmatch(token):
        return False
    return token not in stopwords()


def keywords_of(tokens: Iterable[str]) -> list[str]:
    """The content words among ``tokens``, in order, once each; a lexicon phrase that ends with
    an intensifier counts as its word ("อร่อยมาก" → "อร่อย")."""
    out: dict[str, None] = {}
    for token in tokens:
        for end in sorted(_split_ends, key=len, reverse=True):
            if token.endswith(end) and token != end:
                token = token[: -len(end)]
                break
        if is_keyword(token):
            out[token] = None
    return list(out)


def keyword_counts(texts: Iterable[str]) -> Counter[str]:
    """How many texts each content word appears in (a word counts once per text)."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(keywords_of(words(normalise(text).text)))
    return counts
