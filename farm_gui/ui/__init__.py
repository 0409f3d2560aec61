"""Widgets and windows of the desktop application."""
