"""One ASGI app: the JSON API at /api and the Gradio UI at /."""

from __future__ import annotations

from fastapi import FastAPI

from .api import create_app
from .pipeline import Pipeline


def build_app(pipeline: Pipeline, with_ui: bool = True) -> FastAPI:
    """The API, with the web UI mounted at / when ``with_ui``."""
    app = create_app(pipeline)
    if with_ui:
        from ui.app import mount_ui

        app = mount_ui(app, pipeline)
    return app
