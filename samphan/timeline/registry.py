"""Domain events and the subscriber registry: the one seam between apps.

Each domain declares its events once, in its own ``events.py``, as frozen dataclasses that
subclass :class:`DomainEvent`::

    @dataclass(frozen=True, kw_only=True)
    class OrderPlaced(DomainEvent):
        type: ClassVar[str] = "order.placed"
        subject: ClassVar[Subject] = Subject.ORDER
        label: ClassVar[StrOrPromise] = gettext_lazy("Order placed")

        number: str
        total_satang: int

The dataclass fields after the envelope (workspace, customer, order, actor, time) are the
payload. Declaring the class registers it; a second class with the same ``type`` is an error.
:func:`samphan.timeline.publish.publish` is the only way a timeline row is written.

Apps react through subscribers, declared in their own ``subscribers.py`` (discovered when the
timeline app is ready, like Django's admin modules; an error while importing one is raised,
never swallowed)::

    @subscriber(OrderPlaced, OrderStatusChanged, phase=Phase.IN_TRANSACTION)
    def purchase_summary_refresh(events: Sequence[DomainEvent]) -> None: ...

A subscriber gets the events of one ``publish`` call that it listens to, for one workspace at
a time, so a bulk import refreshes in sets. ``IN_TRANSACTION`` subscribers run inside the
writing transaction and fail with it; ``AFTER_COMMIT`` ones run after commit as a Celery task
(in-process when Celery is eager), retried, and logged and kept in ``SubscriberFailure`` if they
still fail.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from collections.abc import Callable, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from django.utils.functional import Promise

if TYPE_CHECKING:
    from samphan.core.access import Actor

StrOrPromise = str | Promise


class Subject(enum.Flag):
    """What an event is about: which of the row's subject columns must be set."""

    WORKSPACE = 0
    CUSTOMER = enum.auto()
    ORDER = enum.auto()
    CUSTOMER_AND_ORDER = CUSTOMER | ORDER


class Phase(enum.StrEnum):
    IN_TRANSACTION = "in_transaction"
    AFTER_COMMIT = "after_commit"


@dataclass(frozen=True)
class EventActor:
    """Who did it, as an event keeps it: the user (if any) and a label for people and keys."""

    user_id: int | None
    label: str

    @classmethod
    def of(cls, actor: Actor | EventActor | None) -> EventActor | None:
        if actor is None or isinstance(actor, EventActor):
            return actor
        last = _LAST_ACTOR.get()
        if last is not None and last[0] is actor:
            return last[1]  # a bulk write: the same actor for thousands of events
        made = cls(user_id=actor.user.pk if actor.user is not None else None, label=actor.label)
        _LAST_ACTOR.set((actor, made))
        return made


_LAST_ACTOR: ContextVar[tuple[Actor, EventActor] | None] = ContextVar(
    "timeline_last_actor", default=None
)


@dataclass(frozen=True)
class Description:
    """How the timeline shows one event: a title, detail lines, a tone (ok, warn, off)."""

    title: str
    lines: list[str] = field(default_factory=list)
    tone: str = ""
    pinned: bool = False


@dataclass(frozen=True)
class DescribeContext:
    """What describing an event may need: the reader's language, the workspace's year style,
    and labels the workspace defines (custom fields)."""

    language: str
    buddhist_era: bool
    custom_field_labels: Mapping[str, str] = field(default_factory=dict)


_ENVELOPE = ("workspace_id", "customer_id", "order_id", "actor", "occurred_at")
EVENT_TYPES: dict[str, type[DomainEvent]] = {}
_PAYLOAD_FIELDS: dict[type, list[dataclasses.Field[Any]]] = {}


@dataclass(frozen=True)
class _Plan:
    """How a class's fields become its payload (name, key, omit when empty) and links."""

    payload: tuple[tuple[str, str, bool], ...]
    links: tuple[tuple[str, str], ...]


_PLANS: dict[type, _Plan] = {}


@dataclass(frozen=True, kw_only=True)
class DomainEvent:
    """The envelope every event has; subclasses add the payload fields.

    A payload field may be stored under another key (``field(metadata={"key": "from"})``) and
    may be a link to another object instead of payload (``metadata={"link": "consent"}``):
    links go to the row's ``links`` column, e.g. ``{"consent": 12}``.
    """

    type: ClassVar[str] = ""
    subject: ClassVar[Subject] = Subject.CUSTOMER
    label: ClassVar[StrOrPromise] = ""

    workspace_id: int
    customer_id: int | None = None
    order_id: int | None = None
    actor: Actor | EventActor | None = None
    occurred_at: dt.datetime | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not cls.type:
            return  # an abstract intermediate class
        if cls.type in EVENT_TYPES and EVENT_TYPES[cls.type].__qualname__ != cls.__qualname__:
            raise TypeError(f"event type {cls.type!r} is declared twice")
        if not cls.label:
            raise TypeError(f"event type {cls.type!r} needs a label")
        EVENT_TYPES[cls.type] = cls

    def __post_init__(self) -> None:
        object.__setattr__(self, "actor", EventActor.of(self.actor))
        if Subject.CUSTOMER in self.subject and self.customer_id is None:
            raise ValueError(f"{self.type} is about a customer: give customer_id")
        if Subject.ORDER in self.subject and self.order_id is None:
            raise ValueError(f"{self.type} is about an order: give order_id")

    # --- the payload -----------------------------------------------------------------------

    @classmethod
    def payload_fields(cls) -> list[dataclasses.Field[Any]]:
        fields = _PAYLOAD_FIELDS.get(cls)
        if fields is None:
            fields = [f for f in dataclasses.fields(cls) if f.name not in _ENVELOPE]
            _PAYLOAD_FIELDS[cls] = fields
        return fields

    @classmethod
    def _plan(cls) -> _Plan:
        plan = _PLANS.get(cls)
        if plan is None:
            fields = cls.payload_fields()
            plan = _Plan(
                payload=tuple(
                    (f.name, f.metadata.get("key", f.name), bool(f.metadata.get("omit_empty")))
                    for f in fields
                    if "link" not in f.metadata
                ),
                links=tuple((f.name, f.metadata["link"]) for f in fields if "link" in f.metadata),
            )
            _PLANS[cls] = plan
        return plan

    def payload(self) -> dict[str, Any]:
        payload = {}
        for name, key, omit_empty in self._plan().payload:
            value = getattr(self, name)
            if omit_empty and not value:
                continue
            payload[key] = _jsonable(value)
        return payload

    def links(self) -> dict[str, Any]:
        links = {}
        for name, key in self._plan().links:
            value = getattr(self, name)
            if value is not None:
                links[key] = value
        if self.order_id is not None and Subject.ORDER in self.subject:
            links.setdefault("order", self.order_id)
        return links

    @property
    def event_actor(self) -> EventActor | None:
        return self.actor if isinstance(self.actor, EventActor) else EventActor.of(self.actor)

    # --- crossing a process boundary (after-commit subscribers run as Celery tasks) ---------

    def as_message(self) -> dict[str, Any]:
        actor = self.event_actor
        return {
            "type": self.type,
            "workspace_id": self.workspace_id,
            "customer_id": self.customer_id,
            "order_id": self.order_id,
            "actor": [actor.user_id, actor.label] if actor is not None else None,
            "occurred_at": self.occurred_at.isoformat() if self.occurred_at else None,
            "payload": {f.name: _jsonable(getattr(self, f.name)) for f in self.payload_fields()},
        }

    @staticmethod
    def from_message(message: Mapping[str, Any]) -> DomainEvent:
        cls = event_type(message["type"])
        actor = message.get("actor")
        occurred = message.get("occurred_at")
        kwargs = dict(message.get("payload") or {})
        for f in cls.payload_fields():
            if f.name in kwargs and _is_datetime_field(f) and isinstance(kwargs[f.name], str):
                kwargs[f.name] = dt.datetime.fromisoformat(kwargs[f.name])
        return cls(
            workspace_id=message["workspace_id"],
            customer_id=message.get("customer_id"),
            order_id=message.get("order_id"),
            actor=EventActor(user_id=actor[0], label=actor[1]) if actor else None,
            occurred_at=dt.datetime.fromisoformat(occurred) if occurred else None,
            **kwargs,
        )

    # --- showing it ---------------------------------------------------------------------------

    @classmethod
    def describe(cls, payload: Mapping[str, Any], ctx: DescribeContext) -> Description:
        """How a stored event of this type reads on a page. ``payload`` is the stored dict (an
        old row may lack newer keys). Override per type; the default is the label alone."""
        return Description(title=str(cls.label))


def _is_datetime_field(f: dataclasses.Field[Any]) -> bool:
    return "datetime" in str(f.type)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, tuple | frozenset | set):
        return list(value)
    return value


def event_type(name: str) -> type[DomainEvent]:
    try:
        return EVENT_TYPES[name]
    except KeyError:
        raise LookupError(f"unknown event type {name!r}") from None


def event_label(name: str) -> str:
    """The Thai or English label of an event type (in the active language); an unknown type,
    e.g. one from an app that is no longer installed, reads as a plain "Event"."""
    from django.utils.translation import gettext

    cls = EVENT_TYPES.get(name)
    return str(cls.label) if cls is not None else gettext("Event")


def event_type_choices() -> list[tuple[str, str]]:
    return sorted(((name, str(cls.label)) for name, cls in EVENT_TYPES.items()), key=lambda c: c[1])


# --- subscribers ----------------------------------------------------------------------------

Handler = Callable[[Sequence[DomainEvent]], None]
H = TypeVar("H", bound=Handler)


@dataclass(frozen=True)
class Subscriber:
    name: str  # module.function, also the key for retries and failures
    events: tuple[str, ...]
    phase: Phase
    handler: Handler


SUBSCRIBERS: dict[str, Subscriber] = {}


def subscriber(*events: type[DomainEvent] | str, phase: Phase) -> Callable[[H], H]:
    """Register the decorated function for ``events`` (classes, or type names for events of a
    higher app) in ``phase``."""

    def register(handler: H) -> H:
        name = f"{handler.__module__}.{handler.__qualname__}"
        if name in SUBSCRIBERS:
            raise TypeError(f"subscriber {name} is registered twice")
        names = tuple(e if isinstance(e, str) else e.type for e in events)
        if not names:
            raise TypeError(f"subscriber {name} listens to no event")
        SUBSCRIBERS[name] = Subscriber(name=name, events=names, phase=phase, handler=handler)
        return handler

    return register


def subscribers_for(type_name: str, phase: Phase) -> list[Subscriber]:
    return [s for s in SUBSCRIBERS.values() if s.phase == phase and type_name in s.events]


def registry_problems() -> list[str]:
    """Subscribers that listen to an event type nobody declares (a typo, or a removed event)."""
    return [
        f"{s.name} listens to unknown event {name!r}"
        for s in SUBSCRIBERS.values()
        for name in s.events
        if name not in EVENT_TYPES
    ]
