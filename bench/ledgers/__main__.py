"""`python -m bench.ledgers`: see run.py."""

import sys

from bench.ledgers.run import main

sys.exit(main(sys.argv[1:]))
