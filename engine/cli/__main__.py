"""`python -m engine.cli`: the `duban` command."""
from engine.cli.main import main

raise SystemExit(main())
