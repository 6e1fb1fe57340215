"""The subcommands of ``symact``: one module each, registered in ``symact.cli.COMMANDS``."""
