"""One ASGI app: the JSON API at /api and the web UI at /.

qa does not import the UI: the ``ui`` package registers itself under the entry point group
``qa.ui`` (pyproject.toml), so the dependency runs one way, ``ui`` -> ``qa``.
"""

from __future__ import annotations

from importlib.metadata import entry_points

from fastapi import FastAPI

from qa.errors import ConfigError
from qa.pipeline import Pipeline
from qa.server.api import create_app

UI_GROUP = "qa.ui"


def build_app(pipeline: Pipeline, with_ui: bool = True) -> FastAPI:
    """The API, with the web UI mounted at / when ``with_ui``.

    Raises:
        ConfigError: the UI is asked for but no package provides it.
    """
    app = create_app(pipeline)
    if with_ui:
        mounts = list(entry_points(group=UI_GROUP))
        if not mounts:
            raise ConfigError("the web UI is not installed: reinstall qa (make install, or pip install -e .)")
        for mount in mounts:
            app = mount.load()(app, pipeline)
    return app
