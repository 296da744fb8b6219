"""Opens and clicks of campaign emails: an open pixel and tracked links, per recipient.

A tracked link is ``{link_base}/m/c/<token>/``; the token is signed (``django.core.signing``,
its own salt) and carries only the delivery's id and the link's index in the campaign's text.
The address a click goes to is read again from the campaign's text by that index, never from
the token: a forged or replayed token cannot send anyone to an address the shop did not write
(no open redirect), and a bad token is a 404. The pixel is ``{link_base}/m/o/<token>.gif``.

Tokens are signed without a timestamp (``Signer.sign_object``): the same delivery always
gets the same links, so a message repeated after a crash is the very same message, and the
links stay short.

Email is always tracked. LINE and SMS are tracked when the campaign asks for it
(``Campaign.track_links``), with a short link ``{link_base}/l/<token>`` (about 20 characters of
token: the delivery's id and the link's index in base 36, and a 10-character HMAC), as an SMS
counts every character. It is a choice because it has a price: a LINE campaign with one text
for everyone goes out as a multicast (one call per 500 recipients), and links per recipient
make every text different, one push each.
"""

from __future__ import annotations

import base64
import re
import zlib

from django.core import signing
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.http import base36_to_int, int_to_base36

from samphan.messaging.models import Campaign, Delivery

OPEN_SALT = "samphan.messaging.open"
CLICK_SALT = "samphan.messaging.click"
SHORT_SALT = "samphan.messaging.short"
_SHORT = re.compile(r"^([0-9a-z]{1,13})\.([0-9a-z]{1,2})\.([A-Za-z0-9_-]{10})$")
TOKEN_MAX = 200
LINKS_MAX = 50  # tracked links per campaign (further links are left as written)
URL_MAX = 2000
# http(s) addresses as written in a message: ASCII only (Thai text often follows a link with
# no space), ending before a template field ("{{ … }}") or closing punctuation.
_URL = re.compile(r"https?://[A-Za-z0-9\-._~:/?#\[\]@!$&*+,;=%]+", re.ASCII)
_TRAILING = ".,;:!?]"


def _links_in(text: str) -> list[str]:
    found = []
    for match in _URL.finditer(text):
        url = match.group(0).rstrip(_TRAILING)
        end = match.start() + len(url)
        # A link with a personal field inside it differs per customer: not tracked.
        personal = text.startswith("{", end) or text.startswith("{", match.end())
        if personal or len(url) > URL_MAX or url.endswith("//"):
            continue
        found.append(url)
    return found


def campaign_links(campaign: Campaign) -> list[str]:
    """The campaign's own links, in order (Thai text, then English, then variant B), each once.
    A link's index here is what a tracked link's token carries."""
    links: list[str] = []
    for text in (campaign.text, campaign.text_en, campaign.text_b):
        for url in _links_in(text or ""):
            if url not in links:
                links.append(url)
    return links[:LINKS_MAX]


def _sign(value: object, salt: str) -> str:
    return signing.Signer(salt=salt).sign_object(value, compress=True)


def _unsign(token: str, salt: str) -> object:
    if not token or len(token) > TOKEN_MAX:
        return None
    try:
        return signing.Signer(salt=salt).unsign_object(token)
    except (signing.BadSignature, ValueError, TypeError, zlib.error):
        return None


def _short_sig(delivery_id: int, index: int) -> str:
    digest = salted_hmac(SHORT_SALT, f"{delivery_id}:{index}", algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).decode()[:10]


def short_token(delivery_id: int, index: int) -> str:
    return f"{int_to_base36(delivery_id)}.{int_to_base36(index)}.{_short_sig(delivery_id, index)}"


def _short_value(token: str) -> list[int] | None:
    match = _SHORT.match(token or "")
    if match is None:
        return None
    pk, i = base36_to_int(match.group(1)), base36_to_int(match.group(2))
    if not constant_time_compare(match.group(3), _short_sig(pk, i)):
        return None
    return [pk, i]


class Tracker:
    """Tracked addresses for one campaign's sending: the routes are reversed once, the
    tokens signed per recipient."""

    def __init__(self, link_base: str, links: list[str]) -> None:
        self.links = links
        self._index = {url: i for i, url in enumerate(links)}
        self._open = _around(link_base, "messaging:track_open")
        self._click = _around(link_base, "messaging:track_click")
        self._short = _around(link_base, "messaging:track_short")

    def open_url(self, delivery_id: int) -> str:
        before, after = self._open
        return before + _sign(delivery_id, OPEN_SALT) + after

    def click_url(self, delivery_id: int, index: int) -> str:
        before, after = self._click
        return before + _sign([delivery_id, index], CLICK_SALT) + after

    def short_url(self, delivery_id: int, index: int) -> str:
        before, after = self._short
        return before + short_token(delivery_id, index) + after

    def links_track(self, text: str, delivery_id: int, *, short: bool = False) -> str:
        """The message's text with each of the campaign's links replaced by this recipient's
        tracked link (short: for LINE and SMS; other addresses, such as the unsubscribe link,
        left as they are)."""
        link = self.short_url if short else self.click_url
        if not self.links:
            return text

        def replace(match: re.Match[str]) -> str:
            raw = match.group(0)
            url = raw.rstrip(_TRAILING)
            i = self._index.get(url)
            if i is None:
                return raw
            return link(delivery_id, i) + raw[len(url) :]

        return _URL.sub(replace, text)


_PLACEHOLDER = "TOKEN"


def _around(link_base: str, name: str) -> tuple[str, str]:
    before, after = reverse(name, kwargs={"token": _PLACEHOLDER}).split(_PLACEHOLDER)
    return link_base + before, after


def open_url(link_base: str, delivery_id: int) -> str:
    return Tracker(link_base, []).open_url(delivery_id)


def click_url(link_base: str, delivery_id: int, index: int) -> str:
    return Tracker(link_base, []).click_url(delivery_id, index)


def links_track(text: str, links: list[str], *, link_base: str, delivery_id: int) -> str:
    return Tracker(link_base, links).links_track(text, delivery_id)


# --- the public endpoints' writes ---------------------------------------------------------------


def open_record(token: str) -> bool:
    """The pixel was loaded: the first open is kept. False: not a token of ours."""
    pk = _unsign(token, OPEN_SALT)
    if not isinstance(pk, int) or isinstance(pk, bool):
        return False
    if not Delivery.objects.filter(pk=pk).exists():
        return False
    Delivery.objects.filter(pk=pk, opened_at__isnull=True).update(opened_at=timezone.now())
    return True


def click_record(token: str) -> str | None:
    """A tracked link was followed: the first click (and the open it implies) is kept. Returns
    the campaign's link to go to, or None (not a token of ours, or no such link)."""
    value = _short_value(token) if _SHORT.match(token or "") else _unsign(token, CLICK_SALT)
    if not (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    ):
        return None
    pk, i = value
    delivery = Delivery.objects.select_related("campaign").filter(pk=pk).first()
    if delivery is None:
        return None
    links = campaign_links(delivery.campaign)
    if not 0 <= i < len(links):
        return None
    now = timezone.now()
    Delivery.objects.filter(pk=pk, clicked_at__isnull=True).update(clicked_at=now)
    Delivery.objects.filter(pk=pk, opened_at__isnull=True).update(opened_at=now)
    return links[i]
