"""The meeting room: what happens while a meeting runs, and what its minutes are drafted from.

`events` stores each change as a row and announces it after commit; the live stream, attendance,
speakers, votes, written consultation and minutes each have a module of their own here.
"""
