"""The jinja2 environment over ``templates/``: StrictUndefined, so a missing value fails the build."""

from __future__ import annotations

from pathlib import Path

import jinja2

from autograder.registry import project_root


FRAMEWORK_TEMPLATES = Path(__file__).resolve().parents[2] / "templates"     # beside the package, in its checkout


def template_dir() -> Path:
    return project_root() / "templates"


def environment() -> jinja2.Environment:
    """Templates of the project root first (a course may override any), then the framework's own (a project
    root holding assignments only, such as SPARKGRADE_ROOT pointing at a course's folder, still renders
    feedback)."""
    folders = list(dict.fromkeys(str(d) for d in (template_dir(), FRAMEWORK_TEMPLATES) if d.is_dir()))
    return jinja2.Environment(loader=jinja2.FileSystemLoader(folders), undefined=jinja2.StrictUndefined,
                              keep_trailing_newline=True, trim_blocks=False, autoescape=False)


def render(name: str, **values) -> str:
    return environment().get_template(name).render(**values)
