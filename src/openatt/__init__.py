"""openatt: an open-source arms-transfer control system.

The package is a pure core (``core``, ``law``, ``reference``) with adapters around it
(``cli`` and, later, storage, web, screening, reports and monitoring). Arrows point inward.
"""

__version__ = "0.1.0"
