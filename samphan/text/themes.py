"""What a text is about: a small hand-written lexicon of themes (ส่งของ delivery, ราคา price,
คุณภาพ quality, พนักงาน staff, …). A theme is found when one of its words is a token of the text,
a token begins with one of its longer words ("ราคาถูก" → price), or one of its phrases is in
the text ("ได้รับของ")."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Theme:
    code: str
    label: str | Promise
    words: frozenset[str]


def _theme(code: str, label: str | Promise, words: str) -> Theme:
    return Theme(code, label, frozenset(words.split()))


THEMES: tuple[Theme, ...] = (
    _theme(
        "delivery",
        _("Delivery"),
        "ส่ง ส่งของ จัดส่ง ขนส่ง ส่งเร็ว ส่งช้า ส่งไว ส่งถึง ได้รับของ ได้ของ ของถึง พัสดุ ไรเดอร์ "
        "คนส่ง คนส่งของ เคอรี่ แฟลช ไปรษณีย์ ค่าส่ง เลขพัสดุ แทร็ก delivery shipping รอของ "
        "มาส่ง ส่งผิด ตกหล่น แกร็บ ไลน์แมน",
    ),
    _theme(
        "price",
        _("Price"),
        "ราคา แพง ถูก คุ้ม คุ้มค่า คุ้มราคา สมราคา ค่าใช้จ่าย โปร โปรโมชั่น ส่วนลด ลดราคา โค้ด คูปอง price",
    ),
    _theme(
        "quality",
        _("Quality"),
        "คุณภาพ เนื้อผ้า วัสดุ ทนทาน ขาด พัง ชำรุด เสีย ตำหนิ งานดี งานเนียบ ตะเข็บ ด้าย "
        "ของแท้ ของปลอม ปลอม แท้ quality สีตก ขุย เกรด",
    ),
    _theme(
        "staff",
        _("Staff"),
        "พนักงาน แม่ค้า พ่อค้า แอดมิน เจ้าของร้าน คนขาย เด็กเสิร์ฟ บริกร แคชเชียร์ "
        "ช่าง staff admin เจ้าหน้าที่ สุภาพ มารยาท ยิ้มแย้ม หน้าบึ้ง",
    ),
    _theme(
        "service",
        _("Service and replies"),
        "บริการ ตอบ ตอบแชท ตอบช้า ตอบไว ตอบเร็ว ทักแชท แชท อ่านแล้วไม่ตอบ ดูแล ใส่ใจ "
        "แก้ปัญหา ติดต่อ โทร service เอาใจใส่ รอคิว คิว",
    ),
    _theme(
        "packaging",
        _("Packaging"),
        "แพ็ค แพ็ก แพ็คของ แพ็กของ บรรจุภัณฑ์ กล่อง ห่อ ถุง บับเบิ้ล กันกระแทก หีบห่อ packaging บุบ ยับ ซีล",
    ),
    _theme(
        "taste",
        _("Taste and food"),
        "อร่อย รสชาติ รส หวาน เค็ม เผ็ด จืด เปรี้ยว กลมกล่อม หอม กลิ่น สด ไม่สด เย็นชืด "
        "อาหาร เมนู กาแฟ ชา น้ำซุป ซุป เส้น ข้าว ขนม เค้ก ปริมาณ เครื่องดื่ม เนื้อ หมู ไก่ "
        "กุ้ง ทะเล ผัก น้ำจิ้ม",
    ),
    _theme(
        "size_fit",
        _("Size and fit"),
        "ไซส์ ไซซ์ ขนาด ใส่ได้ ใส่ไม่ได้ คับ หลวม พอดีตัว ฟิต รอบอก รอบเอว size เล็กไป ใหญ่ไป",
    ),
    _theme(
        "as_described",
        _("As pictured"),
        "ตรงปก ไม่ตรงปก ตรงรูป ไม่ตรงรูป ตรงตามรูป ตามรูป ตรงตามที่สั่ง สีไม่ตรง ของผิด ผิดสี "
        "ผิดไซส์ ผิดรุ่น ส่งผิด ตรงตามคำอธิบาย",
    ),
    _theme(
        "skin",
        _("Skin and cosmetics"),
        "ผิว ผิวหน้า สิว ผื่น แพ้ ระคายเคือง เนื้อครีม ครีม เซรั่ม ลิป ลิปสติก รองพื้น แป้ง "
        "ซึมไว เหนอะหนะ ชุ่มชื้น กลิ่นหอม ติดทน ขาวใส หน้าใส กันแดด มาสคาร่า",
    ),
    _theme(
        "returns",
        _("Returns and refunds"),
        "คืนเงิน คืนของ เปลี่ยนของ เคลม ประกัน รับคืน refund return เปลี่ยนไซส์",
    ),
    _theme(
        "place",
        _("Shop and atmosphere"),
        "บรรยากาศ สะอาด สกปรก ที่จอดรถ ที่นั่ง แอร์ ร้อน เสียงดัง ตกแต่ง วิว โต๊ะ ห้องน้ำ",
    ),
)

BY_CODE = {t.code: t for t in THEMES}
# Longer words also match as the start of a token: "ราคาถูก" is about price; phrases of
# _PHRASE_MIN letters or more match anywhere in the text, whatever the segmenter made of them.
_PREFIX_MIN = 4
_PHRASE_MIN = 5


def theme_words() -> set[str]:
    return {w for t in THEMES for w in t.words}


def themes_of(tokens: Sequence[str]) -> list[str]:
    """The codes of the themes a text's tokens touch, in ``THEMES`` order."""
    found: list[str] = []
    token_set = set(tokens)
    joined = "".join(tokens)
    for theme in THEMES:
        if (
            token_set & theme.words
            or any(t.startswith(w) for t in token_set for w in theme.words if len(w) >= _PREFIX_MIN)
            or any(w in joined for w in theme.words if len(w) >= _PHRASE_MIN)
        ):
            found.append(theme.code)
    return found


def theme_counts(per_text: Iterable[Sequence[str]]) -> Counter[str]:
    """How many texts touch each theme, from each text's theme codes."""
    counts: Counter[str] = Counter()
    for codes in per_text:
        counts.update(set(codes))
    return counts


def theme_label(code: str) -> str:
    theme = BY_CODE.get(code)
    return str(theme.label) if theme else code
