"""How the scheme pages name things, the same way on every page:

- `{% indicator_name code %}` (or `{% indicator_name code item.label %}`): the indicator's
  name in the reader's language, with its code after it as small muted text (the code
  alone for one the catalogue no longer knows);
- `{{ template|scheme_name }}`: a scheme's name in the reader's language
  (`Template.display_name`; a template object also answers `{{ t.display_name }}`).

The indicator catalogue (two queries) is read once per request."""

from django import template
from django.utils.html import format_html

from servicescore.kpi.catalog import catalog

from ..selectors.schemes import indicator_name as name_of

register = template.Library()

CATALOGUE_ATTRIBUTE = "_scheme_names_catalogue"


def _catalogue(context) -> dict:
    """The indicator catalogue, kept on the request (or the render) so a page of many
    items reads it once."""
    holder = context.get("request")
    if holder is None:
        holder = context.render_context
        found = holder.get(CATALOGUE_ATTRIBUTE)
        if found is None:
            found = holder[CATALOGUE_ATTRIBUTE] = catalog()
        return found
    found = getattr(holder, CATALOGUE_ATTRIBUTE, None)
    if found is None:
        found = catalog()
        setattr(holder, CATALOGUE_ATTRIBUTE, found)
    return found


@register.simple_tag(takes_context=True)
def indicator_name(context, code, label=""):
    """The indicator's name (or the item's label) with the code as secondary text."""
    code = str(code or "")
    name = name_of(code, _catalogue(context), label=label or "")
    if name == code:
        return format_html('<span class="ss-indicator" data-indicator="{}">{}</span>', code, code)
    return format_html(
        '<span class="ss-indicator" data-indicator="{}">{} '
        '<small class="text-secondary fw-normal ss-code">{}</small></span>',
        code,
        name,
        code,
    )


@register.filter
def scheme_name(template) -> str:
    """A scheme (Template) by its name in the reader's language."""
    return getattr(template, "display_name", "") or ""
