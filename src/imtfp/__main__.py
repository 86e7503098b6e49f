"""``python -m imtfp init FILE --name NAME``: the ``imtfp`` command (:mod:`imtfp.cli`)."""

import sys

from imtfp.cli import main

if __name__ == "__main__":
    sys.exit(main())
