"""How responsive the window stays while a run goes as fast as it can: see
ui_latency_measure.py (usage, figures, targets).

Only this guard runs when a run's process imports the script again (multiprocessing does
so with the main script; runtime/run_process.py): the window and the measurement are
imported by the measurement itself, as main.py does for the application.
"""

import sys
from pathlib import Path

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from ui_latency_measure import main

    sys.exit(main())
