from django.utils.translation import get_language


def prefers_chinese() -> bool:
    return (get_language() or "en").lower().startswith("zh")


def localized(obj, field: str) -> str:
    """The Chinese value of `field` when the active language is Chinese and one exists,
    else the English one."""
    if prefers_chinese():
        chinese = getattr(obj, f"{field}_zh", "")
        if chinese:
            return chinese
    return getattr(obj, f"{field}_en")


class BilingualName:
    """Mixin for models with `name_en` / `name_zh`."""

    @property
    def name(self) -> str:
        return localized(self, "name")

    def __str__(self) -> str:
        return self.name
