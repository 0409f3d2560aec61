"""Thin launcher: `python main.py` opens Farm GUI."""

import sys

from farm_gui.app import main

if __name__ == "__main__":
    sys.exit(main())
