"""The rally's rules, pure: no `telegram`, no `sqlalchemy`, no clock or I/O of its own.

The rally file's model and reader, the engine (a team's state machine and the ranking), the
day's phases, distances and answer matching, and who may do what.
"""
