"""``python -m exams``: the exam analysis command line (imports only ``exams.cli``)."""

from exams.cli import main

raise SystemExit(main())
