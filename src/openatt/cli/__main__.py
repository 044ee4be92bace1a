"""``python -m openatt.cli``: the same as the ``openatt`` command."""

from openatt.cli.main import main

main()
