import sys

from zkprof.report.cli import main

sys.exit(main())
