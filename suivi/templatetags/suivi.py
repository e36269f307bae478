from django import template

register = template.Library()


@register.filter
def bilan_url(bilan_id) -> str:
    from suivi.views import bilan_url as resolve

    return resolve(bilan_id)


@register.filter
def get_item(mapping, key):
    if not mapping:
        return None
    return mapping.get(str(key))
