"""ggzy — one public resource trading platform (公共资源交易平台) for a whole province."""

__version__ = "0.1.0"
