"""`python -m bench.compliance`: see run.py."""

import sys

from bench.compliance.run import main

sys.exit(main(sys.argv[1:]))
