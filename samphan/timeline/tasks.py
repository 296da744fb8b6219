"""After-commit subscribers as a Celery task: retried with backoff, recorded if they still fail."""

from __future__ import annotations

from typing import Any

from celery import Task, shared_task

from samphan.timeline.publish import deliver, failure_record

MAX_RETRIES = 6


class _DeliverTask(Task):
    def on_failure(
        self, exc: BaseException, task_id: str, args: Any, kwargs: Any, einfo: Any
    ) -> None:
        name, messages = args[0], args[1]
        failure_record(name, messages, exc, attempts=self.request.retries + 1)


@shared_task(
    base=_DeliverTask,
    name="timeline.deliver",
    bind=True,
    autoretry_for=(Exception,),
    retry_backoff=5,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=MAX_RETRIES,
)
def deliver_task(self: Task, name: str, messages: list[dict[str, Any]]) -> None:
    deliver(name, messages)
