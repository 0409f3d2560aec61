"""Farm GUI: a desktop workbench for agent-based simulation research."""

__version__ = "0.1.0"
