"""A loopback Telegram Bot API server for offline tests and the terminal demo."""

from bot.loopback.faults import Fault, FaultInjector, FaultKind
from bot.loopback.flood import FloodControl
from bot.loopback.records import CallbackQueryRecord, CallRecord, ChatMessage, StoredFile
from bot.loopback.server import LoopbackBotApi
from bot.loopback.users import SimulatedGroup, SimulatedUser

__all__ = [
    "CallRecord",
    "CallbackQueryRecord",
    "ChatMessage",
    "Fault",
    "FaultInjector",
    "FaultKind",
    "FloodControl",
    "LoopbackBotApi",
    "SimulatedGroup",
    "SimulatedUser",
    "StoredFile",
]
