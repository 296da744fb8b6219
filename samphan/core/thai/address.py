"""Thai addresses: province (จังหวัด) / district (อำเภอ, เขต) / subdistrict (ตำบล, แขวง) / postcode.

The place names and postcodes come from the ``geothai`` package, whose data is GeoThai/data
(CC BY 4.0, © Pongsakorn Thipayanate; sources: the Department of Provincial Administration and
Thailand Post). Anything that shows this data credits "GeoThai" (see ``GEOTHAI_CREDIT``).

Names are stored bare and in Thai, as the Department of Provincial Administration writes them,
without the level word: ``จตุจักร`` (not ``เขตจตุจักร``), ``เมืองสุราษฎร์ธานี``. The level words are
added on display (``format_address``), which is where Bangkok differs (แขวง/เขต, not ต./อ./จ.).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

import geothai
from django.utils.translation import gettext as _
from geothai.types import District, Province, Subdistrict

from samphan.core.errors import ApplicationError
from samphan.core.thai.names import clean_text
from samphan.core.thai.phone import thai_digits_to_arabic

GEOTHAI_CREDIT = "GeoThai (CC BY 4.0)"
GEOTHAI_URL = "https://github.com/GeoThai/data"
BANGKOK = "10"

Level = Literal["province", "district", "subdistrict"]


@dataclass(frozen=True)
class Area:
    """One place for autocomplete: its level, names and the places it is in."""

    level: Level
    code: str
    name_th: str
    name_en: str
    district_th: str = ""
    province_th: str = ""
    postcodes: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """``ลาดยาว › จตุจักร › กรุงเทพมหานคร`` — enough to tell places of one name apart."""
        return " › ".join(p for p in (self.name_th, self.district_th, self.province_th) if p)


@dataclass(frozen=True)
class AddressParts:
    """A checked address: bare Thai names, as stored on ``customers.Address``."""

    subdistrict: str
    district: str
    province: str
    postcode: str
    subdistrict_en: str = ""
    district_en: str = ""
    province_en: str = ""
    subdistrict_code: str = ""

    @property
    def label(self) -> str:
        return format_address(
            subdistrict=self.subdistrict,
            district=self.district,
            province=self.province,
            postcode=self.postcode,
        )


def _bare_district(d: District) -> str:
    # Bangkok's districts carry "เขต" in the data; the others carry no level word.
    return d.name_th.removeprefix("เขต") if d.province_code == BANGKOK else d.name_th


def _province_of(code: str) -> Province | None:
    return geothai.province(code[:2])


def _district_of(code: str) -> District | None:
    return geothai.district(code[:4])


def _parts(s: Subdistrict, postcode: str = "") -> AddressParts:
    d = _district_of(s.code)
    p = _province_of(s.code)
    return AddressParts(
        subdistrict=s.name_th,
        district=_bare_district(d) if d else "",
        province=p.name_th if p else "",
        postcode=postcode or (s.postal_codes[0] if s.postal_codes else ""),
        subdistrict_en=s.name_en,
        district_en=d.name_en if d else "",
        province_en=p.name_en if p else "",
        subdistrict_code=s.code,
    )


def _area(result_level: Level, area: Province | District | Subdistrict) -> Area:
    if isinstance(area, Subdistrict):
        d = _district_of(area.code)
        p = _province_of(area.code)
        return Area(
            level=result_level,
            code=area.code,
            name_th=area.name_th,
            name_en=area.name_en,
            district_th=_bare_district(d) if d else "",
            province_th=p.name_th if p else "",
            postcodes=area.postal_codes,
        )
    if isinstance(area, District):
        p = _province_of(area.code)
        return Area(
            level=result_level,
            code=area.code,
            name_th=_bare_district(area),
            name_en=area.name_en,
            province_th=p.name_th if p else "",
        )
    return Area(level=result_level, code=area.code, name_th=area.name_th, name_en=area.name_en)


def _province_matches(code: str, province: str) -> bool:
    p = _province_of(code)
    return not province or (p is not None and geothai.is_province(p, geothai.normalize(province)))


def _district_matches(code: str, district: str) -> bool:
    d = _district_of(code)
    return not district or (d is not None and geothai.is_district(d, geothai.normalize(district)))


def area_search(
    query: str,
    *,
    level: Level | None = None,
    province: str = "",
    district: str = "",
    limit: int = 10,
) -> list[Area]:
    """Places whose Thai or English name contains ``query`` (names that start with it first),
    optionally of one level and inside a province and district already chosen."""
    query = clean_text(query)
    if not query:
        return []
    found: list[Area] = []
    # Ask geothai for more than we show: the level and parent filters drop some.
    for result in geothai.search(query, limit=2000):
        if level is not None and result.level != level:
            continue
        code = result.area.code
        if not _province_matches(code, province):
            continue
        if result.level == "subdistrict" and not _district_matches(code, district):
            continue
        found.append(_area(result.level, result.area))
        if len(found) >= limit:
            break
    return found


def postcode_lookup(postcode: str) -> list[AddressParts]:
    """Every (subdistrict, district, province) that uses a five-digit postcode."""
    code = re.sub(r"\D", "", thai_digits_to_arabic(postcode or ""))
    if len(code) != 5:
        return []
    return [_parts(s, code) for s in geothai.by_postal_code(code)]


def subdistrict_parts(code: str) -> AddressParts | None:
    """The full address of a subdistrict code (six digits), e.g. after picking a candidate."""
    s = geothai.subdistrict(code.strip())
    return _parts(s) if s is not None else None


def _invalid(code: str, message: str, field: str) -> ApplicationError:
    return ApplicationError(code, message, {"field": field}, status=422)


def address_validate(
    *, subdistrict: str = "", district: str = "", province: str = "", postcode: str = ""
) -> AddressParts:
    """Check what a person typed against GeoThai and return the canonical Thai names.

    Any part may be left empty, but what is given must fit together: the district must be in
    the province, the subdistrict in the district, and the postcode must be one the
    subdistrict (or, without a subdistrict, the district or province) uses. Short forms
    (``จ.``, ``อ.``, ``ต.``, ``เขต``, ``แขวง``, ``กทม``, ``อ.เมือง``) and English names are read.
    """
    subdistrict, district, province = (clean_text(v) for v in (subdistrict, district, province))
    province = province.removesuffix("ฯ")  # กรุงเทพฯ
    postcode = re.sub(r"\s", "", thai_digits_to_arabic(postcode or ""))
    if postcode and not re.fullmatch(r"\d{5}", postcode):
        raise _invalid("invalid_postcode", _("A postcode has five digits, e.g. 10110."), "postcode")
    if not (subdistrict or district or province or postcode):
        return AddressParts("", "", "", "")

    province_obj: Province | None = None
    if province:
        province_obj = next(
            (p for p in geothai.provinces() if geothai.is_province(p, geothai.normalize(province))),
            None,
        )
        if province_obj is None:
            raise _invalid(
                "unknown_province",
                _("“%(name)s” is not a Thai province.") % {"name": province},
                "province",
            )

    if subdistrict:
        matches = geothai.match(subdistrict, district=district or None, province=province or None)
        if not matches:
            # Tell the person which part is wrong: the subdistrict name, or where it is.
            if geothai.match(subdistrict):
                field = "district" if district else "province"
                raise _invalid(
                    "address_mismatch",
                    _("“%(sub)s” is not in the district or province given.") % {"sub": subdistrict},
                    field,
                )
            raise _invalid(
                "unknown_subdistrict",
                _("“%(name)s” is not a subdistrict (ตำบล/แขวง) we know.") % {"name": subdistrict},
                "subdistrict",
            )
        if postcode:
            with_postcode = [a for a in matches if postcode in a.subdistrict.postal_codes]
            if not with_postcode:
                codes = sorted({c for a in matches for c in a.subdistrict.postal_codes})
                raise _invalid(
                    "postcode_mismatch",
                    _("%(given)s is not a postcode of %(sub)s (it uses %(codes)s).")
                    % {"sub": subdistrict, "codes": ", ".join(codes), "given": postcode},
                    "postcode",
                )
            matches = with_postcode
        if len(matches) > 1:
            raise _invalid(
                "address_ambiguous",
                _("There are %(n)d subdistricts named “%(sub)s”: choose the district or province.")
                % {"n": len(matches), "sub": subdistrict},
                "district",
            )
        return _parts(matches[0].subdistrict, postcode)

    district_obj: District | None = None
    if district:
        candidates = [
            d
            for p in ([province_obj] if province_obj else geothai.provinces())
            for d in geothai.districts(p.code)
            if geothai.is_district(d, geothai.normalize(district))
        ]
        if not candidates:
            raise _invalid(
                "unknown_district",
                _("“%(name)s” is not a district (อำเภอ/เขต) of %(province)s.")
                % {"name": district, "province": province or _("Thailand")},
                "district",
            )
        if len(candidates) > 1:
            raise _invalid(
                "address_ambiguous",
                _("There are several districts named “%(name)s”: choose the province.")
                % {"name": district},
                "province",
            )
        district_obj = candidates[0]
        province_obj = _province_of(district_obj.code)

    if postcode:
        area_code = (
            district_obj.code if district_obj else (province_obj.code if province_obj else "")
        )
        users = [s for s in geothai.by_postal_code(postcode) if s.code.startswith(area_code)]
        if not users:
            raise _invalid(
                "postcode_mismatch",
                _("No place there uses the postcode %(given)s.") % {"given": postcode}
                if area_code
                else _("No place uses the postcode %(given)s.") % {"given": postcode},
                "postcode",
            )
        if province_obj is None:
            # A postcode alone: keep the province (and district) when they are unambiguous.
            provinces = {s.province_code for s in users}
            districts = {s.district_code for s in users}
            if len(provinces) == 1:
                province_obj = _province_of(users[0].code)
            if len(districts) == 1:
                district_obj = _district_of(users[0].code)
    return AddressParts(
        subdistrict="",
        district=_bare_district(district_obj) if district_obj else "",
        province=province_obj.name_th if province_obj else "",
        postcode=postcode,
        district_en=district_obj.name_en if district_obj else "",
        province_en=province_obj.name_en if province_obj else "",
    )


def format_address(
    *,
    line: str = "",
    subdistrict: str = "",
    district: str = "",
    province: str = "",
    postcode: str = "",
) -> str:
    """``99/1 ซ.สุขุมวิท 4 แขวงคลองเตย เขตคลองเตย กรุงเทพมหานคร 10110`` — the way Thai post is
    addressed: แขวง/เขต in Bangkok, ต./อ./จ. elsewhere."""
    bangkok = province in ("กรุงเทพมหานคร", "กรุงเทพฯ", "กทม", "Bangkok")
    parts = [line]
    if subdistrict:
        parts.append(f"แขวง{subdistrict}" if bangkok else f"ต.{subdistrict}")
    if district:
        parts.append(f"เขต{district}" if bangkok else f"อ.{district}")
    if province:
        parts.append(province if bangkok else f"จ.{province}")
    parts.append(postcode)
    return " ".join(p for p in parts if p)
