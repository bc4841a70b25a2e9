"""`python -m bench.textcheck`: see run.py."""

import sys

from bench.textcheck.run import main

sys.exit(main(sys.argv[1:]))
