"""``python -m convalg``: the command-line interface."""

from convalg.cli import main

raise SystemExit(main())
