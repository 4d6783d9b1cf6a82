"""gongkai: a static site generator for government information disclosure portals."""

__version__ = "0.1.0"
