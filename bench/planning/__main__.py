"""`python -m bench.planning`: see run.py."""

import sys

from bench.planning.run import main

sys.exit(main(sys.argv[1:]))
