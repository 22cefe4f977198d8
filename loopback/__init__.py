"""A loopback Telegram Bot API server for offline tests and the terminal demo.

- `server.LoopbackBotApi`: the HTTP server (Starlette under uvicorn, in the running loop), its
  recording (calls, per-chat transcripts), flood control, fault injection and waiting helpers.
- `users.SimulatedUser` / `SimulatedGroup`: people who write, press buttons, share locations.
- `updates`: the update factories (`make_text_update`, `make_location_update`, ...), usable
  without a server.
- `methods`: the Bot API methods, each refusing what Telegram refuses; `formatting` and `markup`
  hold Telegram's parse-mode and keyboard rules, `ogg` what it accepts as a voice (Ogg/Opus)
  and a sample voice.
"""

from loopback.faults import Fault, FaultInjector, FaultKind
from loopback.flood import FloodControl
from loopback.records import CallbackQueryRecord, CallRecord, ChatMessage, FileSource, StoredFile
from loopback.server import LoopbackBotApi
from loopback.users import SimulatedGroup, SimulatedUser

__all__ = [
    "CallRecord",
    "CallbackQueryRecord",
    "ChatMessage",
    "Fault",
    "FaultInjector",
    "FaultKind",
    "FileSource",
    "FloodControl",
    "LoopbackBotApi",
    "SimulatedGroup",
    "SimulatedUser",
    "StoredFile",
]
