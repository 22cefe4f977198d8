"""`python -m bot`: see `bot.cli`."""

import os
import sys

from bot.cli import main

try:
    status = main()
    sys.stdout.flush()  # a closed pipe (`validate --json | head`) raises here, not at exit
except BrokenPipeError:
    # the reader stopped reading: say nothing more, and keep the interpreter's own flush at
    # exit from failing again (https://docs.python.org/3/library/signal.html#note-on-sigpipe)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    status = 1
raise SystemExit(status)
