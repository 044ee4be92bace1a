"""The REST API over the register: ``create_app()`` builds it; OpenAPI is served at /docs."""

from openatt.api.app import create_app

__all__ = ["create_app"]
