"""One ASGI app: the JSON API at /api and the web UI at /.

qa does not import the UI: the ``ui`` package registers itself under the entry point group
``qa.ui`` (pyproject.toml), so the dependency runs one way, ``ui`` -> ``qa``.
"""

from __future__ import annotations

from importlib.metadata import entry_points

from fastapi import FastAPI

from qa.core.errors import ConfigError
from qa.pipeline import Pipeline
from qa.server.admission import BodyDeadline
from qa.server.api import create_app
from qa.server.origins import CrossOriginReads, CrossSiteWrites, TrustedHosts, trusted_names

UI_GROUP = "qa.ui"


def build_app(pipeline: Pipeline, with_ui: bool = True) -> FastAPI:
    """The API, with the web UI mounted at / when ``with_ui``, every route behind the checks of
    who may ask (qa/server/origins.py) and of how long a body may take.

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
    settings = pipeline.settings
    app.add_middleware(BodyDeadline, seconds=settings.body_timeout)
    app.add_middleware(CrossSiteWrites)
    app.add_middleware(CrossOriginReads)
    app.add_middleware(TrustedHosts, names=trusted_names(settings.host, settings.allowed_hosts))  # outermost
    return app
