"""CLI sub-commands (private); the app lives in capsize.cli."""
