"""The lexicon scorer's rules: negation, ไม่ค่อย, intensifiers, เกินไป, แต่, stretched letters,
emoji, questions; the explanation; segmentation and themes; offline PyThaiNLP."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from samphan.text import segment
from samphan.text.sentiment import NEGATIVE, NEUTRAL, POSITIVE, score
from samphan.text.themes import themes_of


def test_plain_words() -> None:
    assert score("อร่อย").label == POSITIVE
    assert score("ห่วย").label == NEGATIVE
    assert score("สั่งผัดไทยสองจาน").label == NEUTRAL
    assert score("").label == NEUTRAL and score("").score == 0


@pytest.mark.parametrize(
    "text, label",
    [
        ("ไม่อร่อย", NEGATIVE),
        ("ไม่ อร่อย", POSITIVE),  # a space ends the clause: the negation does not reach
        ("ไม่แพง", POSITIVE),
        ("ไม่ช้าเลย", POSITIVE),
        ("ไม่ได้รับของ", NEGATIVE),
        ("ไม่มีปัญหา", POSITIVE),
        ("ไม่ค่อยสวย", NEGATIVE),
    ],
)
def test_negation(text: str, label: str) -> None:
    assert score(text).label == label


def test_not_very_dampens_more_than_it_flips() -> None:
    assert score("ไม่อร่อย").score < score("ไม่ค่อยอร่อย").score < 0
    # "not very expensive" is less praise than "not expensive".
    assert 0 < score("ไม่ค่อยแพง").score < score("ไม่แพง").score


def test_negation_reaches_only_a_few_words() -> None:
    near = score("ไม่ได้อร่อย")
    far = score("ไม่ได้ไปร้านนั้นนานแล้วแต่วันนี้อร่อย")
    assert near.score < 0
    assert far.score > 0


def test_intensifiers_scale() -> None:
    plain, very = score("ดี").score, score("ดีมาก").score
    assert 0 < plain < very < score("ดีมากๆ").score
    assert score("ดีที่สุด").score > very
    assert score("โคตรดี").score > plain
    assert score("แย่มาก").score < score("แย่").score < 0
    assert score("ค่อนข้างดี").score < plain


def test_too_makes_a_complaint() -> None:
    assert score("หวานเกินไป").label == NEGATIVE
    assert score("แพงเกินไป").score < score("แพง").score
    # "a bit too" is a milder complaint than "too".
    assert score("เค็มเกินไป").score < score("เค็มไปหน่อย").score < 0


def test_stretched_letters_and_emoji() -> None:
    assert score("ดีมากกกก").score > score("ดีมาก").score
    assert score("ช้าาาา").label == NEGATIVE
    assert score("ได้ของแล้ว 😍").label == POSITIVE
    assert score("ได้ของแล้ว 😡").label == NEGATIVE
    assert score("ได้ของแล้ว 555").score > 0


def test_after_but_counts_more() -> None:
    assert score("อาหารดี แต่บริการแย่มาก").label == NEGATIVE
    assert score("ส่งช้านิดหน่อย แต่อร่อยมาก").label == POSITIVE


def test_a_question_counts_half() -> None:
    assert abs(score("อร่อยไหมคะ").score) < abs(score("อร่อยค่ะ").score)


def test_explanation_names_the_words_and_rules() -> None:
    result = score("ไม่อร่อยเลย แต่ส่งไวมาก")
    words = {h.word: h for h in result.hits}
    assert "ส่งไว" in words and any(r.startswith("x1.4") for r in words["ส่งไว"].rules)
    marked = dict((tok, w) for tok, w in result.marked if w is not None)
    assert marked and all(isinstance(w, float) for w in marked.values())
    assert -1 <= result.score <= 1


def test_score_is_bounded_on_long_texts() -> None:
    assert 0.9 < score("ดีมาก " * 500).score <= 1
    assert -1 <= score("แย่มาก " * 500).score < -0.9


def test_segmentation_and_keywords() -> None:
    assert segment.words("พนักงานสุภาพมาก") == ["พนักงาน", "สุภาพ", "มาก"]
    # A dictionary word that glues a word to its intensifier is split ("หอมมาก").
    assert segment.words("หอมมาก") == ["หอม", "มาก"]
    counts = segment.keyword_counts(["อร่อยมาก พนักงานดี", "อาหารอร่อย", "อร่อย อร่อย"])
    assert counts["อร่อย"] == 3  # once per text
    assert counts["พนักงาน"] == 1
    assert "มาก" not in counts and "ไม่" not in counts  # stopwords


def test_themes() -> None:
    assert themes_of(segment.tokens("ส่งของช้า ราคาแพง")) == ["delivery", "price"]
    assert "staff" in themes_of(segment.tokens("พนักงานไม่สุภาพ"))
    assert "size_fit" in themes_of(segment.tokens("ไซส์เล็กไป"))
    assert themes_of(segment.tokens("สวัสดีครับ")) == []


def test_pythainlp_is_offline_and_writes_nothing(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """In a fresh process with no network at all: segmenting and scoring work, nothing is
    fetched and no data directory is created."""
    code = (
        "import socket\n"
        "def refuse(*a, **k):\n"
        "    raise OSError('network used')\n"
        "socket.socket.connect = refuse\n"
        "socket.create_connection = refuse\n"
        "socket.getaddrinfo = refuse\n"
        # Segmenting first, before the scorer is imported, still knows the lexicon's words.
        "from samphan.text import segment\n"
        "assert segment.words('หอมมาก ไม่ค่อยอร่อย') == ['หอม', 'มาก', 'ไม่ค่อย', 'อร่อย']\n"
        "from samphan.text.sentiment import score\n"
        "assert score('ไม่ค่อยอร่อย').label == 'negative'\n"
        "assert segment.stopwords()\n"
        "print('ok')\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHAINLP") and k != "HOME"}
    env["HOME"] = str(tmp_path)
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
    assert list(tmp_path.iterdir()) == []
