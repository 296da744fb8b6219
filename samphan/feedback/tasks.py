"""Background work for feedback: thin wrappers that call one service each."""

from __future__ import annotations

from celery import shared_task

from samphan.feedback.sending import invitations_send


@shared_task(name="feedback.invitations_send", acks_late=True)
def invitations_send_task(workspace_id: int, invitation_ids: list[int]) -> int:
    """Push survey links by LINE (each at most once: a sent link is skipped, and a repeated
    push carries the same retry key)."""
    return invitations_send(workspace_id=workspace_id, invitation_ids=invitation_ids)
