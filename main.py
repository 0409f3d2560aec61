"""Thin launcher: `python main.py` opens Farm GUI."""

import sys

if __name__ == "__main__":
    # Imported here, not above: worker processes of an experiment's pool import this file
    # again (as __mp_main__), and must not import the whole window each.
    from farm_gui.app import main

    sys.exit(main())
