"""The `newsfacts` command line: `app` is defined in `app`, each command module registers on it, `main` gathers them."""
