"""Where Qt threads meet the core.

This package must stay importable without Qt: the command line imports
``farm_gui.runtime.session``. Only the modules that need Qt (``worker``,
``registry``, ``aio``) import it, and nothing here imports them eagerly.
"""
