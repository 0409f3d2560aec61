"""Fault-injection suite: crashes and shutdown (kill -9, SIGTERM, SIGINT, closing the
window, a full disk), bad input (config files, database files, exports), concurrency
and load (seeded UI stress, write-lock contention, a long run), and security (no
network, parameterised SQL, sanitised export names, YAML never runs code).

Helpers: support.py (child processes, polling, collectors), db_checks.py (what an
intact run is), bad_inputs.py (corpora), stress.py and long_run.py (shared with
bench/reliability.py), gui_child.py (the real application as a child process).
"""
