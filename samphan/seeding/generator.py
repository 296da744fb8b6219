"""Vectorised generation of one chunk of the demo shop: customers, contacts, orders and lines.

Every random draw comes from the numpy ``Generator`` handed in, so a chunk is a pure function of
(seed, chunk number, the shop's ids and the calendar). Order numbers, phone numbers, e-mails,
LINE ids and marketplace order ids come from :class:`Counters`, which the runner starts above
what the workspace already has, so chunks never collide with earlier runs.

A chunk is columns (:class:`Columns`), not rows: contacts and orders point at their customer
by its position in the chunk, lines follow their orders in order. ``samphan.seeding.writers``
turns them into the domains' bulk services' inputs, which assign the ids and write the
timeline; nothing here knows a table or an event.

Customer behaviour comes in segments:

* **prospect** — signed up, never bought (created up to a few months before the window);
* **one-time** — a single order;
* **occasional** — a few orders spread over their time with the shop;
* **promo** — buys mostly on campaign days (11.11, 12.12, 9.9, double days, Songkran, New Year,
  payday), usually with a coupon;
* **churned** — active for a few months early on, then nothing;
* **regular** — frequent, steady buyers from early in the window until now.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from samphan.commerce.models import ChannelKind, OrderStatus
from samphan.commerce.services import _CHANNEL_PREFIX as CHANNEL_PREFIX
from samphan.customers.contacts import contact_normalize
from samphan.customers.models import AcquisitionSource, BehaviourType, ContactKind, Gender
from samphan.seeding import data
from samphan.seeding.calendar import BANGKOK_OFFSET, DAY, ShopCalendar

# --- segments ---------------------------------------------------------------------------------
PROSPECT, ONE_TIME, OCCASIONAL, PROMO, CHURNED, REGULAR = range(6)
SEGMENT_P = np.array([0.04, 0.30, 0.25, 0.18, 0.17, 0.06])
# orders = base + Poisson(extra); mean ≈ 3.4 orders a customer, ≈ 10 order lines a customer
SEGMENT_BASE_ORDERS = np.array([0, 1, 2, 2, 1, 8])
SEGMENT_EXTRA_ORDERS = np.array([0.0, 0.0, 1.2, 2.0, 2.0, 10.0])
# where in the window customers first buy: Beta(a, b) scaled by `scale`
SEGMENT_JOIN = {
    ONE_TIME: (1.6, 1.0, 1.0),
    OCCASIONAL: (1.2, 1.4, 1.0),
    PROMO: (1.2, 1.3, 1.0),
    CHURNED: (1.0, 2.2, 0.6),
    REGULAR: (1.0, 2.5, 0.7),
}
SEGMENT_STICKINESS = np.array([0.75, 0.75, 0.75, 0.7, 0.75, 0.9])  # P(order on primary channel)

# --- channels ---------------------------------------------------------------------------------
CHANNELS = [
    ChannelKind.STORE,
    ChannelKind.LINE,
    ChannelKind.SHOPEE,
    ChannelKind.LAZADA,
    ChannelKind.TIKTOK,
    ChannelKind.WEB,
    ChannelKind.PHONE,
]
STORE, LINE, SHOPEE, LAZADA, TIKTOK, WEB, PHONE = range(7)
CHANNEL_P = np.array([0.38, 0.12, 0.18, 0.09, 0.12, 0.07, 0.04])
CHANNEL_P_PROMO = np.array([0.15, 0.10, 0.30, 0.15, 0.20, 0.07, 0.03])
POOL_STORE, POOL_DELIVERY, POOL_ONLINE = range(3)
CHANNEL_POOL = np.array(
    [POOL_STORE, POOL_DELIVERY, POOL_ONLINE, POOL_ONLINE, POOL_ONLINE, POOL_ONLINE, POOL_DELIVERY]
)
ACQUISITION = [
    AcquisitionSource.WALK_IN,
    AcquisitionSource.REFERRAL,
    AcquisitionSource.AD,
    AcquisitionSource.MARKETPLACE,
    AcquisitionSource.LINE,
    AcquisitionSource.AFFILIATE,
    AcquisitionSource.UNKNOWN,
]
# rows: primary channel; columns: ACQUISITION
ACQUISITION_P = np.array(
    [
        [0.55, 0.20, 0.10, 0.00, 0.05, 0.00, 0.10],  # store
        [0.00, 0.15, 0.20, 0.00, 0.50, 0.00, 0.15],  # LINE
        [0.00, 0.05, 0.10, 0.70, 0.00, 0.05, 0.10],  # Shopee
        [0.00, 0.05, 0.10, 0.70, 0.00, 0.05, 0.10],  # Lazada
        [0.00, 0.05, 0.25, 0.20, 0.00, 0.40, 0.10],  # TikTok Shop
        [0.00, 0.20, 0.45, 0.00, 0.00, 0.00, 0.35],  # web
        [0.20, 0.40, 0.00, 0.00, 0.00, 0.00, 0.40],  # phone
    ]
)
PAYMENTS = ["cash", "promptpay", "credit_card", "cod", "truemoney"]
# rows: channel; columns: PAYMENTS
PAYMENT_P = np.array(
    [
        [0.35, 0.40, 0.20, 0.00, 0.05],  # store
        [0.00, 0.60, 0.10, 0.20, 0.10],  # LINE
        [0.00, 0.20, 0.30, 0.35, 0.15],  # Shopee
        [0.00, 0.20, 0.30, 0.35, 0.15],  # Lazada
        [0.00, 0.20, 0.25, 0.40, 0.15],  # TikTok Shop
        [0.00, 0.40, 0.50, 0.00, 0.10],  # web
        [0.00, 0.50, 0.00, 0.50, 0.00],  # phone
    ]
)
STATUSES = [OrderStatus.PAID, OrderStatus.CANCELLED, OrderStatus.REFUNDED, OrderStatus.RETURNED]
STATUS_P_STORE = np.array([0.985, 0.010, 0.005, 0.0])
STATUS_P_REMOTE = np.array([0.920, 0.045, 0.015, 0.020])
# hour-of-day weights (local time)
STORE_HOURS = np.array(
    [0, 0, 0, 0, 0, 0, 0, 1, 3, 4, 5, 5, 7, 6, 5, 6, 5, 5, 4, 3, 2, 1, 0, 0], dtype=float
)
ONLINE_HOURS = np.array(
    [
        3,
        1.5,
        0.7,
        0.3,
        0.2,
        0.3,
        0.8,
        1.5,
        2,
        2.5,
        3,
        3,
        4,
        3.5,
        3,
        3,
        3,
        3,
        3.5,
        4.5,
        5.5,
        6,
        5,
        3.5,
    ]
)

# --- order lines ------------------------------------------------------------------------------
LINES_P = np.array([0.17, 0.27, 0.24, 0.16, 0.10, 0.06])  # 1…6 lines, mean 2.93
QUANTITY_P = np.array([0.74, 0.17, 0.05, 0.025, 0.015])  # 1…5

# --- ids that look random but are unique: affine bijections of counters ------------------------
_MULT = 2_654_435_761  # prime, coprime with every modulus below
PHONE_SPACE = len(data.MOBILE_PREFIXES) * 10_000_000
_BASE36 = np.frombuffer(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", dtype=np.uint8)
_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)

BEHAVIOURS = ["", *(str(v) for v in BehaviourType.values)]
PREFERRED_CHANNELS = ["", "line", "store", "email", "phone"]


@dataclass(frozen=True)
class Catalogue:
    ids: np.ndarray  # int64[P]
    skus: list[str]
    names: list[str]  # what an order line shows (the Thai name)
    prices: np.ndarray  # int64[P], satang
    single_quantity: np.ndarray  # bool[P]: gift cards, gear: one at a time
    cum_weights: np.ndarray  # float64[3, P]: cumulative pick weights per pool


@dataclass(frozen=True)
class Shop:
    workspace_id: int
    branch_ids: np.ndarray  # int64[3], order of data.BRANCHES
    channel_ids: np.ndarray  # int64[7], order of CHANNELS
    channel_names: list[str]  # order of CHANNELS
    catalogue: Catalogue
    provinces: list[str]  # Thai province names
    province_cum: np.ndarray  # cumulative draw weights
    province_branch: np.ndarray  # int64[len(provinces)]: nearest branch
    branch_province: np.ndarray  # int64[3]: index into provinces


@dataclass
class Counters:
    """Ordinals the generated values derive from; advanced by every chunk."""

    customer_ordinal: int  # phones, e-mails and LINE ids derive from it
    order_seq: int  # marketplace order ids derive from it
    # last running number per order-number prefix ("ST-2611-"), as commerce.services numbers them
    number_seq: dict[str, int] = field(default_factory=dict)
    # phones given to planted duplicates so far (a typo'd number must stay unique)
    planted_phones: set[int] = field(default_factory=set)


Column = np.ndarray | list[Any]


@dataclass
class Columns:
    """Rows of one kind as named columns of equal length: numpy arrays (integers; times as
    int64 seconds since the epoch, UTC; dates as ``datetime64[D]``, NaT for none) or lists of
    Python values."""

    size: int
    data: dict[str, Column]

    def __getitem__(self, name: str) -> Column:
        return self.data[name]

    def keep(self, mask: np.ndarray) -> Columns:
        """Only the rows where ``mask`` is true."""
        kept: dict[str, Column] = {}
        flags = mask.tolist()
        for name, column in self.data.items():
            if isinstance(column, np.ndarray):
                kept[name] = column[mask]
            else:
                kept[name] = [v for v, k in zip(column, flags, strict=True) if k]
        return Columns(int(mask.sum()), kept)


@dataclass(frozen=True)
class Planted:
    """A duplicate planted on purpose: two customers of the chunk who are one person. Both are
    given by position in the chunk and by ordinal in the workspace (the n-th customer by id,
    from 0), with how the second record differs (``"marks+phone_typo"``)."""

    original: int
    duplicate: int
    original_ordinal: int
    duplicate_ordinal: int
    variation: str


@dataclass
class Chunk:
    """One chunk's customers (``CUSTOMER_COLUMNS``), their contacts (``customer``: position in
    ``customers``), their orders (``customer`` likewise; ``lines``: how many) and the orders'
    lines, in the orders' order. Orders are in time order."""

    customers: Columns
    contacts: Columns
    orders: Columns
    lines: Columns
    segments: np.ndarray
    phone_samples: int = 0
    # known duplicate pairs planted in the chunk (the benchmark's ground truth)
    planted: list[Planted] = field(default_factory=list)
    stats: dict[str, int] = field(default_factory=dict)


# What customers_bulk_create takes (beside created_at, seconds here).
CUSTOMER_COLUMNS: Sequence[str] = (
    "title", "first_name", "last_name", "nickname", "gender", "birthday", "province",
    "acquisition_source", "home_branch_id", "behaviour_type", "preferred_channel",
)  # fmt: skip


# ----------------------------------------------------------------------------------------------
# small vectorised helpers


def _choice(rng: np.random.Generator, p: np.ndarray, size: int) -> np.ndarray:
    cum = np.cumsum(p)
    return np.minimum(np.searchsorted(cum / cum[-1], rng.random(size), side="right"), len(p) - 1)


def _choice_rows(rng: np.random.Generator, p_rows: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """One draw per element of ``rows`` from the distribution ``p_rows[row]``."""
    cum = np.cumsum(p_rows, axis=1)
    cum /= cum[:, -1:]
    u = rng.random(len(rows))
    result: np.ndarray = (u[:, None] >= cum[rows]).sum(axis=1)
    return np.minimum(result, p_rows.shape[1] - 1)


def _sample_days(
    rng: np.random.Generator, cum: np.ndarray, lo: np.ndarray, hi: np.ndarray
) -> np.ndarray:
    """A day in [lo, hi] (inclusive) for each element, drawn by the cumulative day weights."""
    a, b = cum[lo], cum[hi + 1]
    u = a + rng.random(len(lo)) * (b - a)
    day = np.searchsorted(cum, u, side="right") - 1
    return np.clip(day, lo, hi)


def _affine(x: np.ndarray, modulus: int, offset: int) -> np.ndarray:
    """A bijection of [0, modulus): distinct inputs give distinct, random-looking outputs."""
    result: np.ndarray = ((x % modulus) * _MULT + offset) % modulus
    return result


def _ascii_columns(codes: np.ndarray) -> list[str]:
    """Rows of a uint8 matrix of ASCII codes → list of str."""
    width = codes.shape[1]
    out: list[str] = (
        np.ascontiguousarray(codes).view(f"S{width}").ravel().astype(f"U{width}").tolist()
    )
    return out


def _base36(values: np.ndarray, width: int) -> list[str]:
    digits = np.empty((len(values), width), dtype=np.int64)
    v = values.copy()
    for i in range(width - 1, -1, -1):
        digits[:, i] = v % 36
        v //= 36
    return _ascii_columns(_BASE36[digits])


def _hex(values: np.ndarray, width: int) -> list[str]:
    digits = np.empty((len(values), width), dtype=np.int64)
    v = values.copy()
    for i in range(width - 1, -1, -1):
        digits[:, i] = v & 15
        v >>= 4
    return _ascii_columns(_HEX[digits])


def _pick(options: list[Any], index: np.ndarray) -> list[Any]:
    table = np.empty(len(options), dtype=object)
    table[:] = options
    out: list[Any] = table[index].tolist()
    return out


def _order_numbers(channel: np.ndarray, yymm: np.ndarray, last: dict[str, int]) -> list[str]:
    """``ST-2611-000042``: channel prefix, year-month (Bangkok), running number per prefix —
    the scheme of ``samphan.commerce.services``; ``last`` carries the running numbers across
    chunks and starts above the workspace's existing orders. Orders must be in time order."""
    key = channel.astype(np.int64) * 10_000 + yymm
    unique, inverse = np.unique(key, return_inverse=True)
    prefixes = [
        f"{CHANNEL_PREFIX.get(CHANNELS[k // 10_000], 'OR')}-{k % 10_000:04d}-"
        for k in unique.tolist()
    ]
    by_key = np.argsort(inverse, kind="stable")  # time order within each prefix
    counts = np.bincount(inverse, minlength=len(unique))
    rank = np.empty(len(key), dtype=np.int64)
    rank[by_key] = np.arange(len(key)) - np.repeat(_group_starts(counts), counts)
    base = np.array([last.get(p, 0) for p in prefixes], dtype=np.int64)
    seq = base[inverse] + rank + 1
    for prefix, b, c in zip(prefixes, base.tolist(), counts.tolist(), strict=True):
        last[prefix] = b + c
    return list(map("{}{:06d}".format, _pick(prefixes, inverse), seq.tolist()))


def _group_starts(counts: np.ndarray) -> np.ndarray:
    starts = np.zeros(len(counts), dtype=np.int64)
    np.cumsum(counts[:-1], out=starts[1:])
    return starts


# ----------------------------------------------------------------------------------------------


def phone_raw_formats(nsn: int, style: int) -> str:
    """The way a customer might type their mobile number (``nsn`` = 9 digits after +66)."""
    d = f"0{nsn:09d}"
    if style == 0:
        return f"{d[:3]}-{d[3:6]}-{d[6:]}"  # 081-359-6920
    if style == 1:
        return d  # 0813596920
    if style == 2:
        return f"+66 {d[1:3]} {d[3:6]} {d[6:]}"  # +66 81 359 6920
    if style == 3:
        return f"66{d[1:]}"  # 66813596920
    thai = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")
    return f"{d[:3]}-{d[3:6]}-{d[6:]}".translate(thai)  # ๐๘๑-๓๕๙-๖๙๒๐


def generate_chunk(
    rng: np.random.Generator,
    n: int,
    shop: Shop,
    cal: ShopCalendar,
    counters: Counters,
    *,
    phone_sample_share: float = 0.02,
    duplicate_share: float | None = None,
) -> Chunk:
    """``n`` customers with everything that hangs off them, as columns."""
    D = cal.days

    # ---- who they are --------------------------------------------------------------------
    segment = _choice(rng, SEGMENT_P, n)
    gender = _choice(rng, np.array([0.58, 0.38, 0.04]), n)  # female, male, not given
    female, male = gender == 0, gender == 1
    age = np.clip(rng.normal(34.0, 11.0, n), 17, 75)
    has_birthday = rng.random(n) < 0.45

    n_f, n_m = len(data.FEMALE_FIRST_NAMES), len(data.MALE_FIRST_NAMES)
    all_first = data.FEMALE_FIRST_NAMES + data.MALE_FIRST_NAMES
    first_idx = np.where(
        female,
        rng.integers(0, n_f, n),
        np.where(male, n_f + rng.integers(0, n_m, n), rng.integers(0, n_f + n_m, n)),
    )
    combos = [h + t for h in data.SURNAME_HEADS for t in data.SURNAME_TAILS if h != t]
    all_last = data.SURNAMES + combos
    last_idx = np.where(
        rng.random(n) < 0.35,
        rng.integers(0, len(data.SURNAMES), n),
        len(data.SURNAMES) + rng.integers(0, len(combos), n),
    )
    nick_f = data.FEMALE_NICKNAMES + data.UNISEX_NICKNAMES
    nick_m = data.MALE_NICKNAMES + data.UNISEX_NICKNAMES
    all_nicks = nick_f + nick_m
    nick_idx = np.where(
        female,
        rng.integers(0, len(nick_f), n),
        np.where(
            male, len(nick_f) + rng.integers(0, len(nick_m), n), rng.integers(0, len(all_nicks), n)
        ),
    )
    has_nick = rng.random(n) < 0.78
    u_title = rng.random(n)
    title_idx = np.full(n, 3)  # no title
    title_idx[male & (u_title < 0.85)] = 0
    miss_share = np.where(has_birthday & (age < 30), 0.8, 0.5)
    f_titled = female & (u_title < 0.85)
    title_idx[f_titled & (rng.random(n) < miss_share)] = 2
    title_idx[f_titled & (title_idx == 3)] = 1
    titles = [data.TITLE_MR, data.TITLE_MRS, data.TITLE_MISS, ""]

    primary = np.where(
        segment == PROMO,
        _choice(rng, CHANNEL_P_PROMO, n),
        _choice(rng, CHANNEL_P, n),
    )
    source_idx = _choice_rows(rng, ACQUISITION_P, primary)
    wants_email = rng.random(n) < np.where(primary == WEB, 0.75, 0.33)
    wants_line = rng.random(n) < np.where(primary == LINE, 0.95, 0.42)
    # what staff noted about some of them (samphan's behaviour types, contact preference)
    u_staff = rng.random(n)
    behaviour = np.where(u_staff < 0.08, rng.integers(1, 7, n), 0)  # the six "soft" types
    behaviour[(segment == PROMO) & (u_staff < 0.5)] = BEHAVIOURS.index(
        BehaviourType.PROMOTION_DRIVEN.value
    )
    behaviour[(segment == REGULAR) & (u_staff < 0.6)] = BEHAVIOURS.index(
        BehaviourType.REGULAR.value
    )
    preferred = np.where(
        wants_line,
        1,
        np.where(primary == STORE, 2, np.where(wants_email, 3, 4)),
    )
    preferred[rng.random(n) < 0.55] = 0

    province_idx = np.minimum(
        np.searchsorted(shop.province_cum, rng.random(n), side="right"), len(shop.provinces) - 1
    )
    store_first = primary == STORE
    home_branch = np.full(n, -1)
    branch_w = np.array([b.weight for b in data.BRANCHES])
    home_branch[store_first] = _choice(rng, branch_w, int(store_first.sum()))
    lives_near = store_first & (rng.random(n) < 0.75)
    province_idx[lives_near] = shop.branch_province[home_branch[lives_near]]
    no_province = (rng.random(n) < data.SHARE_WITHOUT_PROVINCE) & ~store_first
    nearest_branch = shop.province_branch[province_idx]

    # ---- when they buy: activity window in local days [lo, hi] ---------------------------
    counts = SEGMENT_BASE_ORDERS[segment] + rng.poisson(SEGMENT_EXTRA_ORDERS[segment])
    join = rng.random(n)
    for seg, (a, b, scale) in SEGMENT_JOIN.items():
        mask = segment == seg
        join[mask] = rng.beta(a, b, int(mask.sum())) * scale
    lo = np.minimum((join * D).astype(np.int64), D - 1)
    hi = np.full(n, D - 1, dtype=np.int64)
    churned = segment == CHURNED
    span = (rng.uniform(0.08, 0.3, n) * D).astype(np.int64)
    hi[churned] = np.minimum(lo[churned] + span[churned], D - 1)

    n_orders = int(counts.sum())
    o_cust = np.repeat(np.arange(n), counts)
    o_rank = np.arange(n_orders) - np.repeat(_group_starts(counts), counts)
    o_seg = segment[o_cust]
    o_lo, o_hi = lo[o_cust], hi[o_cust]

    day = _sample_days(rng, cal.cum_mild, o_lo, o_hi)
    promo_o = o_seg == PROMO
    day[promo_o] = _sample_days(rng, cal.cum_promo, o_lo[promo_o], o_hi[promo_o])
    anchored = (o_rank == 0) & ~promo_o  # the first order falls on the day they join
    day[anchored] = o_lo[anchored]
    regular_o = o_seg == REGULAR
    o_counts = counts[o_cust]
    steady = (o_rank + 0.5 + rng.uniform(-0.35, 0.35, n_orders)) / o_counts
    steady_day = o_lo + (steady * (o_hi - o_lo + 1)).astype(np.int64)
    day[regular_o] = np.clip(steady_day[regular_o], o_lo[regular_o], o_hi[regular_o])

    # channel and time of day
    stick = rng.random(n_orders) < SEGMENT_STICKINESS[o_seg]
    channel = np.where(stick, primary[o_cust], _choice(rng, CHANNEL_P, n_orders))
    campaign = cal.campaign[day]
    is_store = channel == STORE
    hour = np.where(
        is_store, _choice(rng, STORE_HOURS, n_orders), _choice(rng, ONLINE_HOURS, n_orders)
    )
    midnight_rush = (~is_store) & (campaign != data.CAMPAIGN_NONE) & (rng.random(n_orders) < 0.2)
    hour[midnight_rush] = 0
    t = cal.day_start[day] + hour * 3600 + rng.integers(0, 3600, n_orders)
    # Orders past "now" on the last day, or before the window's first second, move inside.
    # (Fixed-size draws: the random stream must not depend on the clock.)
    u_fix = rng.random(n_orders)
    late, early = t > cal.end, t < cal.start
    t[late] = cal.day_start[day[late]] + (
        u_fix[late] * (cal.end - cal.day_start[day[late]])
    ).astype(np.int64)
    t[early] = cal.start + (u_fix[early] * 3600).astype(np.int64)
    t = np.clip(t, cal.start, cal.end)

    # chronological within the chunk: ids and numbers rise with time
    order = np.argsort(t, kind="stable")
    o_cust, o_rank, o_seg, t, channel = (
        o_cust[order],
        o_rank[order],
        o_seg[order],
        t[order],
        channel[order],
    )
    day, campaign, is_store = day[order], campaign[order], is_store[order]

    branch = np.full(n_orders, -1)
    usual = np.where(home_branch[o_cust] >= 0, home_branch[o_cust], nearest_branch[o_cust])
    travel = rng.random(n_orders) < 0.08
    usual[travel] = rng.integers(0, len(shop.branch_ids), int(travel.sum()))
    branch[is_store] = usual[is_store]
    status = np.where(
        is_store,
        _choice(rng, STATUS_P_STORE, n_orders),
        _choice(rng, STATUS_P_REMOTE, n_orders),
    )
    payment = _choice_rows(rng, PAYMENT_P, channel)

    # ---- order lines -----------------------------------------------------------------------
    cat = shop.catalogue
    n_products = len(cat.ids)
    line_counts = 1 + _choice(rng, LINES_P, n_orders)
    n_lines = int(line_counts.sum())
    l_order = np.repeat(np.arange(n_orders), line_counts)
    l_pool = CHANNEL_POOL[channel][l_order]
    product = np.zeros(n_lines, dtype=np.int64)
    redraw = np.ones(n_lines, dtype=bool)
    for _ in range(8):  # distinct products within an order, redrawing duplicates
        idx = np.flatnonzero(redraw)
        if not len(idx):
            break
        for pool in (POOL_STORE, POOL_DELIVERY, POOL_ONLINE):
            sel = idx[l_pool[idx] == pool]
            cum = cat.cum_weights[pool]
            product[sel] = np.minimum(
                np.searchsorted(cum, rng.random(len(sel)) * cum[-1], side="right"), n_products - 1
            )
        key = l_order * n_products + product
        _, first = np.unique(key, return_index=True)
        redraw = np.ones(n_lines, dtype=bool)
        redraw[first] = False
    quantity = 1 + _choice(rng, QUANTITY_P, n_lines)
    quantity[cat.single_quantity[product] & (rng.random(n_lines) < 0.9)] = 1
    unit_price = cat.prices[product]
    line_total = quantity * unit_price
    subtotal = np.add.reduceat(line_total, _group_starts(line_counts))

    # ---- coupons, shipping, totals ---------------------------------------------------------
    coupon = np.zeros(n_orders, dtype=np.int64)  # index into coupon_table
    discount = np.zeros(n_orders, dtype=np.int64)
    coupon_table: list[data.Campaign | None] = [None]
    u = rng.random(n_orders)
    promo_o = o_seg == PROMO
    take = np.where(promo_o, 0.85, 0.30)
    take = np.where(campaign == data.CAMPAIGN_PAYDAY, take * 0.5, take)
    for code, camp in data.CAMPAIGNS.items():
        mask = (campaign == code) & (u < take)
        coupon_table.append(camp)
        coupon[mask] = len(coupon_table) - 1
        discount[mask] = np.minimum(subtotal[mask] * camp.percent // 10000, camp.cap_baht) * 100
    u2 = rng.random(n_orders)
    welcome = (coupon == 0) & (o_rank == 0) & ~is_store & (subtotal >= 30000) & (u2 < 0.2)
    coupon_table.append(data.WELCOME_COUPON)
    coupon[welcome] = len(coupon_table) - 1
    discount[welcome] = data.WELCOME_COUPON.cap_baht * 100
    member = (coupon == 0) & (o_seg == REGULAR) & (u2 < 0.15)
    camp = data.MEMBER_COUPON
    coupon_table.append(camp)
    coupon[member] = len(coupon_table) - 1
    discount[member] = np.minimum(subtotal[member] * camp.percent // 10000, camp.cap_baht) * 100
    discount = np.minimum(discount, subtotal)

    order_pool = CHANNEL_POOL[channel]
    shipping = np.zeros(n_orders, dtype=np.int64)
    delivery = order_pool == POOL_DELIVERY
    shipping[delivery & (subtotal < 30000)] = 3000
    web = channel == WEB
    shipping[web & (subtotal < 50000)] = 4000
    market = (order_pool == POOL_ONLINE) & ~web
    shipping[market & (subtotal < 29900)] = 3800

    # ---- order numbers and marketplace ids ------------------------------------------------
    seq = counters.order_seq + 1 + np.arange(n_orders, dtype=np.int64)
    local = (t + BANGKOK_OFFSET).astype("datetime64[s]")
    months = local.astype("datetime64[M]").astype(np.int64)
    yymm = ((months // 12 + 1970) % 100) * 100 + months % 12 + 1
    numbers = _order_numbers(channel, yymm, counters.number_seq)
    external: list[str | None] = [None] * n_orders
    for ch, fmt in ((SHOPEE, "shopee"), (LAZADA, "lazada"), (TIKTOK, "tiktok")):
        idx = np.flatnonzero(channel == ch)
        if not len(idx):
            continue
        s = seq[idx]
        if fmt == "shopee":  # 261123 + 8 base-36 characters, like Shopee's order SN
            dates = np.datetime_as_string(local[idx].astype("datetime64[D]")).tolist()
            tails = _base36(_affine(s, 36**8, 1_234_567), 8)
            values = [d[2:4] + d[5:7] + d[8:10] + x for d, x in zip(dates, tails, strict=True)]
        elif fmt == "lazada":  # 15 digits
            values = [str(v) for v in (5 * 10**14 + _affine(s, 10**14, 7_777_777)).tolist()]
        else:  # 18 digits
            values = [str(v) for v in (57 * 10**16 + _affine(s, 10**16, 31_415_926)).tolist()]
        for i, v in zip(idx.tolist(), values, strict=True):
            external[i] = v

    # ---- when each customer joined: with their first order (any status), else some time
    # over the window (prospects sign up over it, some up to a quarter of it before)
    big = np.iinfo(np.int64).max
    created = np.full(n, big, dtype=np.int64)
    np.minimum.at(created, o_cust, t)
    no_orders = counts == 0
    span_s = cal.end - cal.start
    created[no_orders] = cal.start + (
        rng.uniform(-0.25, 1.0, int(no_orders.sum())) * span_s
    ).astype(np.int64)
    created = np.minimum(created, cal.end)

    end_day = (cal.end + BANGKOK_OFFSET) // DAY
    bday = end_day - (age * 365.25).astype(np.int64) - rng.integers(0, 365, n)
    birthday = bday.astype("datetime64[D]")
    birthday[~has_birthday] = np.datetime64("NaT")
    province = _pick(shop.provinces, province_idx)
    for i in np.flatnonzero(no_province).tolist():
        province[i] = ""
    customers = Columns(
        n,
        {
            "title": _pick(titles, title_idx),
            "first_name": _pick(all_first, first_idx),
            "last_name": _pick(all_last, last_idx),
            "nickname": _pick(
                ["", *[nick for nick, _ in all_nicks]], np.where(has_nick, nick_idx + 1, 0)
            ),
            "gender": _pick([Gender.FEMALE.value, Gender.MALE.value, Gender.UNKNOWN.value], gender),
            "birthday": birthday,
            "province": province,
            "acquisition_source": _pick([s.value for s in ACQUISITION], source_idx),
            "home_branch_id": _pick([None, *shop.branch_ids.tolist()], home_branch + 1),
            "behaviour_type": _pick(BEHAVIOURS, behaviour),
            "preferred_channel": _pick(PREFERRED_CHANNELS, preferred),
            "created_at": created,
        },
    )

    # ---- contact points --------------------------------------------------------------------
    ordinal = counters.customer_ordinal + np.arange(n, dtype=np.int64)
    x = _affine(ordinal, PHONE_SPACE, 48_271)
    prefixes = np.array(data.MOBILE_PREFIXES, dtype=np.int64)
    nsn = prefixes[x // 10_000_000] * 10_000_000 + x % 10_000_000
    phones = list(map("+66{}".format, nsn.tolist()))
    # Run a sample through the contacts normaliser, phones in the formats people type: the
    # values handed to contacts_bulk_add must be its output already.
    sample = np.flatnonzero(rng.random(n) < phone_sample_share)
    styles = rng.integers(0, 5, len(sample))
    for i, style in zip(sample.tolist(), styles.tolist(), strict=True):
        e164 = contact_normalize(ContactKind.PHONE, phone_raw_formats(int(nsn[i]), style))
        if e164 != phones[i]:
            raise AssertionError(f"contact_normalize gave {e164}, expected {phones[i]}")
        phones[i] = e164

    e_idx = np.flatnonzero(wants_email)
    handles = _pick([roman for _, roman in all_nicks], nick_idx[e_idx])
    seps = _pick([".", "_", ""], rng.integers(0, 3, len(e_idx)))
    domains = _pick(
        data.EMAIL_DOMAINS, _choice(rng, np.array(data.EMAIL_DOMAIN_WEIGHTS), len(e_idx))
    )
    emails = list(map("{}{}{}@{}".format, handles, seps, (ordinal[e_idx] + 1).tolist(), domains))
    l_idx = np.flatnonzero(wants_line)
    random_part = _hex(rng.integers(0, 2**48, len(l_idx), dtype=np.int64), 12)
    random_part2 = _hex(rng.integers(0, 2**48, len(l_idx), dtype=np.int64), 12)
    unique_part = _hex(_affine(ordinal[l_idx], 2**32, 0x5BD1E995), 8)
    line_ids = list(map("U{}{}{}".format, random_part, unique_part, random_part2))
    for kind, values in ((ContactKind.EMAIL, emails), (ContactKind.LINE, line_ids)):
        for value in values[: max(1, int(len(values) * phone_sample_share))]:
            if contact_normalize(kind, value) != value:
                raise AssertionError(f"contact_normalize changes the {kind} {value}")

    c_cust = np.concatenate([np.arange(n), e_idx, l_idx])
    c_kind = [ContactKind.PHONE.value] * n + [ContactKind.EMAIL.value] * len(e_idx)
    c_kind += [ContactKind.LINE.value] * len(l_idx)
    n_contacts = len(c_cust)
    contacts = Columns(
        n_contacts,
        {
            "customer": c_cust,
            "kind": c_kind,
            "value": phones + emails + line_ids,
            "created_at": created[c_cust],
        },
    )

    # ---- orders and lines ------------------------------------------------------------------
    orders = Columns(
        n_orders,
        {
            "customer": o_cust,
            "channel_id": shop.channel_ids[channel],
            "branch_id": _pick([None, *shop.branch_ids.tolist()], branch + 1),
            "number": numbers,
            "external_id": external,
            "status": _pick([s.value for s in STATUSES], status),
            "placed_at": t,
            "payment_method": _pick(PAYMENTS, payment),
            "coupon_code": _pick(["" if c is None else c.code for c in coupon_table], coupon),
            "discount_satang": discount,
            "shipping_satang": shipping,
            "lines": line_counts,  # the orders' lines follow in order
        },
    )
    lines = Columns(
        n_lines,
        {
            "sku": _pick(cat.skus, product),
            "name": _pick(cat.names, product),
            "quantity": quantity,
            "unit_price_satang": unit_price,
        },
    )

    share = DUPLICATE_SHARE if duplicate_share is None else duplicate_share
    planted = _plant_duplicates(
        rng, customers, contacts, counters, share, nicknames=[roman for _, roman in all_nicks],
        nick_idx=nick_idx, titles=(data.TITLE_MR, data.TITLE_MRS, data.TITLE_MISS),
    )  # fmt: skip
    counters.customer_ordinal += n
    counters.order_seq += n_orders
    return Chunk(
        customers=customers,
        contacts=contacts,
        orders=orders,
        lines=lines,
        segments=segment,
        phone_samples=len(sample),
        planted=planted,
        stats={
            "customers": n,
            "contacts": contacts.size,
            "orders": n_orders,
            "order_lines": n_lines,
        },
    )


# ----------------------------------------------------------------------------------------------
# planted duplicates: one person recorded twice, as shops do

# Share of a chunk's customers who are the second record of someone else in it.
DUPLICATE_SHARE = 0.015
# How the second record's name differs, and what else ties the two (a duplicate with nothing
# but a name in common is planted too: the list cannot find those, and the benchmark says so).
NAME_VARIATIONS = ("same", "marks", "typo", "swapped", "title", "nickname")
NAME_VARIATION_P = np.array([0.20, 0.22, 0.15, 0.10, 0.13, 0.20])
LINKS = ("phone_typo", "email", "birthday", "none")
LINK_P = np.array([0.45, 0.20, 0.30, 0.05])
SECOND_LINK_P = 0.25
# Typo'd phones are numbers no generated customer will have: their ordinal is above this.
_TYPO_ORDINAL_FLOOR = 100_000_000
_PHONE_OFFSET = 48_271

_ABOVE_VOWELS = ("\u0e34\u0e35", "\u0e36\u0e37", "\u0e38\u0e39")  # ิ ี, ึ ื, ุ ู
_TONES = "\u0e48\u0e49\u0e4a\u0e4b"  # ่ ้ ๊ ๋
_MARKS = "\u0e31\u0e34\u0e35\u0e36\u0e37\u0e38\u0e39\u0e47\u0e48\u0e49\u0e4a\u0e4b\u0e4c"
# Letters that sound alike and are typed for one another.
_SOUND_ALIKE = ("ศษส", "คขฆ", "ทธฒถ", "ณน", "ญย", "ลฬ", "พภ", "ตฏ", "ดฎ", "ชฌ")


def _vary_marks(name: str, rng: np.random.Generator) -> str | None:
    """The name with one vowel or tone mark dropped or changed for its neighbour."""
    spots = [i for i, ch in enumerate(name) if ch in _MARKS]
    if not spots:
        return None
    i = spots[int(rng.integers(0, len(spots)))]
    ch = name[i]
    swap = next((pair for pair in _ABOVE_VOWELS if ch in pair), "")
    if ch in _TONES and rng.random() < 0.6:
        others = [t for t in _TONES[:2] if t != ch]
        return name[:i] + others[int(rng.integers(0, len(others)))] + name[i + 1 :]
    if swap and rng.random() < 0.6:
        return name[:i] + swap[1 - swap.index(ch)] + name[i + 1 :]
    return name[:i] + name[i + 1 :]


def _vary_letter(name: str, rng: np.random.Generator) -> str:
    """One letter typed as one that sounds alike, else one letter left out."""
    spots = [(i, g) for i, ch in enumerate(name) for g in _SOUND_ALIKE if ch in g]
    if spots:
        i, group = spots[int(rng.integers(0, len(spots)))]
        others = [c for c in group if c != name[i]]
        return name[:i] + others[int(rng.integers(0, len(others)))] + name[i + 1 :]
    if len(name) < 3:
        return name + name[-1]
    i = 1 + int(rng.integers(0, len(name) - 1))
    return name[:i] + name[i + 1 :]


def _phone_ordinal(nsn: int) -> int:
    """The customer ordinal whose generated phone is ``nsn`` (the inverse of the affine map)."""
    prefixes = data.MOBILE_PREFIXES
    head = nsn // 10_000_000
    if head not in prefixes:
        return -1
    x = prefixes.index(head) * 10_000_000 + nsn % 10_000_000
    return ((x - _PHONE_OFFSET) * pow(_MULT, -1, PHONE_SPACE)) % PHONE_SPACE


def _typo_phone(nsn: int, rng: np.random.Generator, taken: set[int]) -> int | None:
    """The number with one digit mistyped or two neighbours swapped (never the first two, the
    mobile prefix), unique: not any generated customer's, nor another planted one."""
    for _attempt in range(20):
        digits = list(f"{nsn:09d}")
        if rng.random() < 0.3:
            i = 2 + int(rng.integers(0, 6))
            if digits[i] == digits[i + 1]:
                continue
            digits[i], digits[i + 1] = digits[i + 1], digits[i]
        else:
            i = 2 + int(rng.integers(0, 7))
            digits[i] = str((int(digits[i]) + 1 + int(rng.integers(0, 9))) % 10)
        value = int("".join(digits))
        if value in taken or 0 <= _phone_ordinal(value) < _TYPO_ORDINAL_FLOOR:
            continue
        taken.add(value)
        return value
    return None


def _email_variant(email: str, rng: np.random.Generator) -> str:
    """The same inbox written another way (a Gmail name with or without its dot), or the same
    name at another provider."""
    local, _at, domain = email.partition("@")
    if domain == "gmail.com" and rng.random() < 0.6:
        if "." in local:
            return f"{local.replace('.', '')}@{domain}"
        split = next((i for i, c in enumerate(local) if c.isdigit()), len(local))
        if 0 < split < len(local) and local[:split].isalpha():
            return f"{local[:split]}.{local[split:]}@{domain}"
    others = [d for d in data.EMAIL_DOMAINS if d != domain]
    return f"{local}@{others[int(rng.integers(0, len(others)))]}"


def _plant_duplicates(
    rng: np.random.Generator,
    customers: Columns,
    contacts: Columns,
    counters: Counters,
    share: float,
    *,
    nicknames: list[str],
    nick_idx: np.ndarray,
    titles: tuple[str, str, str],
) -> list[Planted]:
    """Turn ``share`` of the chunk's customers into second records of others in it: the name
    varied (the same, a vowel or tone mark, a sound-alike letter, first and last swapped, a
    title typed into the name, only the nickname) and tied by a phone one digit off, the same
    inbox written another way, the same birthday, or nothing else. Each keeps its own orders.
    Contacts stay unique as the app keeps them: a number typed two ways is one contact (the app
    matches it when the second record is made), so the planted phone is a typo."""
    n = customers.size
    k = int(n * share)
    if k < 1 or n < 2 * k:
        return []
    # A stream of its own, spawned from the chunk's seed: which customers are planted, and how,
    # depends on the seed only (the chunk's stream has used a clock-dependent number of draws).
    seed_seq = rng.bit_generator.seed_seq
    if isinstance(seed_seq, np.random.SeedSequence):
        rng = np.random.default_rng(
            np.random.SeedSequence(seed_seq.entropy, spawn_key=(*seed_seq.spawn_key, 7))
        )
    order = rng.permutation(n)
    originals, dups = order[:k].tolist(), order[k : 2 * k].tolist()
    c = customers.data
    first: list[str] = c["first_name"]  # type: ignore[assignment]
    last: list[str] = c["last_name"]  # type: ignore[assignment]
    nick: list[str] = c["nickname"]  # type: ignore[assignment]
    title: list[str] = c["title"]  # type: ignore[assignment]
    gender: list[str] = c["gender"]  # type: ignore[assignment]
    province: list[str] = c["province"]  # type: ignore[assignment]
    birthday = np.asarray(c["birthday"])
    values: list[str] = contacts.data["value"]  # type: ignore[assignment]
    kinds: list[str] = contacts.data["kind"]  # type: ignore[assignment]
    owner = np.asarray(contacts.data["customer"])
    email_at = {int(owner[j]): j for j in range(len(kinds)) if kinds[j] == ContactKind.EMAIL}
    added: list[tuple[int, str]] = []  # (customer position, e-mail)
    base = counters.customer_ordinal
    planted: list[Planted] = []
    for o, d in zip(originals, dups, strict=True):
        variation = NAME_VARIATIONS[int(_choice(rng, NAME_VARIATION_P, 1)[0])]
        links = [LINKS[int(_choice(rng, LINK_P, 1)[0])]]
        if links[0] != "none" and rng.random() < SECOND_LINK_P:
            links.append(LINKS[int(_choice(rng, LINK_P[:3], 1)[0])])
        if variation == "nickname" and set(links) <= {"birthday", "none"}:
            # A record with only a nickname came from a chat or a delivery: it has a contact.
            links = ["phone_typo"]
        gender[d], province[d] = gender[o], province[o]
        f, ln, nk = first[o], last[o], nick[o]
        title[d] = title[o] if rng.random() < 0.5 else ""
        if variation == "marks":
            for which in ("last", "first") if rng.random() < 0.5 else ("first", "last"):
                varied = _vary_marks(ln if which == "last" else f, rng)
                if varied is not None:
                    f, ln = (f, varied) if which == "last" else (varied, ln)
                    break
            else:
                variation = "typo"
        if variation == "typo":
            ln = _vary_letter(ln, rng)
        elif variation == "swapped":
            f, ln = ln, f
        elif variation == "title":
            glued = title[o] or titles[0 if gender[o] == Gender.MALE.value else 2]
            f, title[d] = glued + f, ""
        elif variation == "nickname":
            if nk:
                f, ln = "", ""
            else:
                variation, ln = "first_only", ""
        first[d], last[d], nick[d] = (
            f,
            ln,
            nk if (variation == "nickname" or rng.random() < 0.6) else "",
        )
        done: list[str] = []
        for link in dict.fromkeys(links):
            if link == "phone_typo":
                nsn = int(values[o][3:])
                typo = _typo_phone(nsn, rng, counters.planted_phones)
                if typo is not None:
                    values[d] = f"+66{typo}"
                    done.append(link)
            elif link == "email":
                if o in email_at:
                    email = values[email_at[o]]
                else:  # the original gave one too
                    email = f"{nicknames[int(nick_idx[o])]}.{base + o + 1}@gmail.com"
                    added.append((o, email))
                variant = _email_variant(email, rng)
                if d in email_at:
                    values[email_at[d]] = variant
                else:
                    added.append((d, variant))
                done.append(link)
            elif link == "birthday":
                if np.isnat(birthday[o]):
                    birthday[o] = np.datetime64("1965-01-01") + int(rng.integers(0, 40 * 365))
                birthday[d] = birthday[o]
                done.append(link)
        planted.append(
            Planted(
                original=o, duplicate=d, original_ordinal=base + o, duplicate_ordinal=base + d,
                variation="+".join([variation, *(done or ["none"])]),
            )
        )  # fmt: skip
    if added:
        created = np.asarray(contacts.data["created_at"])
        positions = np.array([d for d, _v in added], dtype=np.int64)
        first_seen = created[positions]  # when they gave their phone (phones come first)
        contacts.data["customer"] = np.concatenate([owner, positions])
        contacts.data["kind"] = kinds + [ContactKind.EMAIL.value] * len(added)
        contacts.data["value"] = values + [v for _d, v in added]
        contacts.data["created_at"] = np.concatenate([created, first_seen])
        contacts.size += len(added)
    return planted
