"""healthgap's public REST API, version 1 (FastAPI): serialisation of the read layer.

``create_app(read_layer, writer=...)`` builds the app; ``healthgap serve`` runs it. The API
reads only through ``healthgap.query`` and writes only through ``healthgap.publish`` (the
store's single writer). Design: ``docs/design/0810-rest-api-v1.md``.
"""

from __future__ import annotations

from healthgap.api.app import API_VERSION, create_app

__all__ = ["API_VERSION", "create_app"]
