"""``python -m imtfp init FILE --name NAME``: the ``imtfp`` command (:mod:`imtfp.cli`)."""

import sys

from imtfp.cli import main

sys.exit(main())
