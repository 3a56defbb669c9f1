"""imtui: a terminal app for the Ingram Micro Cloud Marketplace."""

__version__ = "0.1.0"
