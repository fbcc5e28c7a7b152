"""``python -m rag``: see :mod:`rag.cli`."""

import sys

from rag.cli import main

sys.exit(main())
