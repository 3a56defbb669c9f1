"""``python -m imtui.cli``: the same as the ``imtui`` command."""

import sys

from imtui.cli import main

sys.exit(main())
