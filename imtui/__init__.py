"""imtui: a terminal app for the Ingram Micro Cloud Marketplace."""

__version__ = "0.1.0"

import logging as _logging

# a library's loggers stay silent unless the app or the user configures logging (no stray lines on the terminal)
_logging.getLogger("imtui").addHandler(_logging.NullHandler())
