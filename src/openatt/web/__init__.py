"""The officers' and applicants' web UI: server-rendered pages over the register's services.

Mounted on the REST API's application at ``/ui`` (see :func:`mount`); ``/`` redirects there.
"""

from openatt.web.app import mount

__all__ = ["mount"]
