"""``python -m rds``: the RDS analysis command line (imports only ``rds.cli``)."""

from rds.cli import main

raise SystemExit(main())
