"""Thin launcher: `python main.py` opens Farm GUI, as `farm-gui` does (`python main.py PATH`
opens that workspace; `python main.py run ...` and the other commands work too)."""

import sys

if __name__ == "__main__":
    # Imported here, not above: worker processes of an experiment's pool import this file
    # again (as __mp_main__), and must not import the window each.
    from farm_gui.cli import main

    sys.exit(main())
