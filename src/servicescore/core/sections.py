"""Pages that a lower app owns and higher apps fill in.

The home page (core) shows work orders and, later, scores and alerts; a person's profile
(org) lists their work orders and scorecards; yet core and org may not import the apps that
know these things (docs/architecture.md). So each app registers the sections it adds to a
page in its `AppConfig.ready()`, and the page renders whatever is registered, in `order`.

A section is a template and a function giving its context for the request, or None when it
has nothing to show this user. Each renders to its own HTML, so that a page can also answer
an htmx request for one section alone (the profile's work-history pager).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.template.loader import render_to_string


@dataclass(frozen=True)
class Section:
    page: str
    key: str
    template: str
    context: Callable[..., dict | None]
    order: int = 100


@dataclass(frozen=True)
class RenderedSection:
    key: str
    html: str


_SECTIONS: dict[str, dict[str, Section]] = {}


def register_section(
    page: str, key: str, *, template: str, context: Callable[..., dict | None], order: int = 100
):
    """Add (or replace) section `key` on `page`. `context(request, **page_values)` gives the
    template's context, or None to leave the section out for this request."""
    _SECTIONS.setdefault(page, {})[key] = Section(page, key, template, context, order)


def page_sections(page: str) -> list[Section]:
    return sorted(_SECTIONS.get(page, {}).values(), key=lambda section: (section.order, section.key))


def render_sections(page: str, request, /, **values) -> list[RenderedSection]:
    """Every section of `page` that has something for this request, rendered, in order."""
    rendered = []
    for section in page_sections(page):
        html = _render(section, request, values)
        if html is not None:
            rendered.append(RenderedSection(section.key, html))
    return rendered


def render_section(page: str, key: str, request, /, **values) -> str | None:
    """One section alone (an htmx partial); None when no app registered it or it has nothing."""
    section = _SECTIONS.get(page, {}).get(key)
    return None if section is None else _render(section, request, values)


def _render(section: Section, request, values) -> str | None:
    context = section.context(request, **values)
    if context is None:
        return None
    return render_to_string(section.template, {**values, **context}, request=request)


# Lists that a page owns and other apps add entries to (the profile's timeline): each source
# is a function giving a list of entries.
_SOURCES: dict[str, dict[str, Callable[..., list]]] = {}


def register_entries(listing: str, key: str, source: Callable[..., list]) -> None:
    """Add (or replace) a source of entries for `listing`."""
    _SOURCES.setdefault(listing, {})[key] = source


def collect_entries(listing: str, *args, **kwargs) -> list:
    """The entries every registered source gives, source by source in the order of their keys."""
    return [
        entry
        for _key, source in sorted(_SOURCES.get(listing, {}).items())
        for entry in source(*args, **kwargs)
    ]
