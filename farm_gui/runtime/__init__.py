"""Where Qt threads meet the core.

This package must stay importable without Qt: the command line imports
``farm_gui.runtime.session``. Only the modules that put work on Qt threads or talk to
the window import it (``jobs``, ``registry``, ``analysis_jobs``, ``aio``), and nothing
here imports them eagerly.
"""
