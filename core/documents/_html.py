"""HTML from Jinja2 templates: autoescaped, strict about undefined names, found by file name.

Templates are looked up first in ``templates/`` beside the configuration file (``Settings.source``), then in
the repository's ``config/templates/``: an agency overrides one template by putting a file of the same name
beside its configuration.
"""

from __future__ import annotations

import functools
from pathlib import Path

from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
    TemplateNotFound,
    TemplateSyntaxError,
    select_autoescape,
)
from pydantic import BaseModel

from core.config import Settings
from core.errors import ConfigError

__all__ = ["REPO_TEMPLATES", "read_text_resource", "render_html", "template_dirs"]

REPO_TEMPLATES = Path(__file__).resolve().parents[2] / "config" / "templates"


def template_dirs(settings: Settings | None) -> tuple[Path, ...]:
    """Where templates are looked up, first match wins: ``<config dir>/templates``, then the repository's."""
    dirs: list[Path] = []
    if settings is not None and settings.source is not None:
        dirs.append(settings.source.resolve().parent / "templates")
    dirs.append(REPO_TEMPLATES)
    unique = list(dict.fromkeys(d for d in dirs if d.is_dir()))
    if not unique:
        raise ConfigError(
            f"No document templates: {REPO_TEMPLATES} does not exist.",
            hint="Fix: restore config/templates/ from the repository (git checkout -- config/templates).",
        )
    return tuple(unique)


@functools.lru_cache(maxsize=8)
def _environment(dirs: tuple[Path, ...]) -> Environment:
    return Environment(
        loader=ChoiceLoader([FileSystemLoader(str(d)) for d in dirs]),
        autoescape=select_autoescape(enabled_extensions=("html", "htm", "xml", "html.j2"), default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _where(dirs: tuple[Path, ...]) -> str:
    return " or ".join(str(d) for d in dirs)


def render_html(dirs: tuple[Path, ...], template: str, view: BaseModel) -> str:
    """Render ``template`` with the view-model as ``doc``. Template problems become a ``ConfigError`` naming the
    file and the fix (templates are data an agency edits)."""
    env = _environment(dirs)
    try:
        return env.get_template(template).render(doc=view)
    except TemplateNotFound as e:
        raise ConfigError(
            f"Document template {e.name!r} not found in {_where(dirs)}.",
            hint="Fix: restore it from the repository's config/templates/, or add it beside your config.",
        ) from e
    except TemplateSyntaxError as e:
        raise ConfigError(
            f"Document template {e.filename or e.name or template} has a syntax error on line {e.lineno}: "
            f"{e.message}.",
            hint="Fix: correct the template (Jinja2 syntax), or restore it from the repository.",
        ) from e
    except TemplateError as e:
        fields = ", ".join(type(view).model_fields)
        raise ConfigError(
            f"Document template {template!r} failed: {e.message or e}.",
            hint=f"Fix: use only the names the view-model has (doc.{{{fields}}}); see core/documents/_views.py.",
        ) from e


def read_text_resource(dirs: tuple[Path, ...], name: str) -> str:
    """A plain text file from the template directories (e.g. ``terms.txt``), first match wins."""
    for d in dirs:
        path = d / name
        if path.is_file():
            return path.read_text(encoding="utf-8")
    raise ConfigError(
        f"{name} not found in {_where(dirs)}.",
        hint="Fix: restore it from the repository's config/templates/, or add it beside your config.",
    )
