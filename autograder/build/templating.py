"""The jinja2 environment over ``templates/``: StrictUndefined, so a missing value fails the build."""

from __future__ import annotations

from pathlib import Path

import jinja2

from autograder.registry import project_root


def template_dir() -> Path:
    return project_root() / "templates"


def environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(template_dir())), undefined=jinja2.StrictUndefined,
                              keep_trailing_newline=True, trim_blocks=False, autoescape=False)


def render(name: str, **values) -> str:
    return environment().get_template(name).render(**values)
