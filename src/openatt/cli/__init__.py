"""The command line: thin typer commands that parse, call the core or a service, and render."""
