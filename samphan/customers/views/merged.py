"""A merged customer's old addresses lead to the customer they were merged into."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from samphan.core.errors import NotFound
from samphan.core.web import current_actor
from samphan.customers.selectors import customer_survivor_id

View = Callable[..., HttpResponse]


def follow_merges(view: View) -> View:
    """For a customer page (``customer_id`` in the URL): when the customer is not found because
    they were merged, redirect (302) a GET to the same page of the surviving customer, with the
    same query string. Anything else (a POST, an unknown id) stays a 404. Costs nothing for a
    live customer: the merge chain is looked up only after the page's own lookup failed.
    Put it under ``member_required``, which turns the remaining ``NotFound`` into a 404."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotFound:
            if request.method not in ("GET", "HEAD") or "customer_id" not in kwargs:
                raise
            survivor = customer_survivor_id(
                actor=current_actor(request), customer_id=kwargs["customer_id"]
            )
            match = request.resolver_match
            if survivor is None or match is None:
                raise
            url = reverse(
                match.view_name, args=match.args, kwargs={**match.kwargs, "customer_id": survivor}
            )
            query = request.GET.urlencode()
            return redirect(f"{url}?{query}" if query else url)

    return wrapper
