"""The one way services write tracked models: every history row names the acting user and
why the change was made. (django-simple-history records nothing for queryset.update() and
needs the user passed explicitly outside a request, e.g. in Celery tasks.)"""

from django.db import models
from simple_history.utils import bulk_create_with_history, bulk_update_with_history


def tracked_save(instance: models.Model, *, actor, reason: str, **save_kwargs) -> None:
    instance._history_user = actor
    instance._change_reason = reason
    instance.save(**save_kwargs)


def tracked_delete(instance: models.Model, *, actor, reason: str) -> None:
    instance._history_user = actor
    instance._change_reason = reason
    instance.delete()


def tracked_bulk_create(model, objs: list, *, actor, reason: str) -> list:
    return bulk_create_with_history(objs, model, default_user=actor, default_change_reason=reason)


def tracked_bulk_update(model, objs: list, fields: list[str], *, actor, reason: str) -> int:
    """Per-object `_change_reason` / `_history_user`, when set, win over the defaults."""
    return bulk_update_with_history(
        objs, model, fields, default_user=actor, default_change_reason=reason
    )
