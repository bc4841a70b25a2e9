"""`python -m bench.substitution`: see run.py."""

import sys

from bench.substitution.run import main

sys.exit(main(sys.argv[1:]))
