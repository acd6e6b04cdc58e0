"""The weekly check-in loop (PRODUCT.md § The weekly loop): open, remind, close, digest.

- :mod:`bot.week_schedule` (below the loop: analysis, evidence and the use cases read it
  too) — pure: when each event of a week falls, in every time zone.
- :mod:`bot.loop.answer` — a check-in's answer: read it, validate it, store it.
- :mod:`bot.loop.form` — the answer as a form (Slack modal, Teams card).
- :mod:`bot.loop.conversation` — the answer as a turn-by-turn dialogue (the console).
- :mod:`bot.loop.digest` — the channel digest at close.
- :mod:`bot.loop.runner` — the clock's use case: run the work that is due, exactly once.
- :mod:`bot.loop.checkin` — the members' use cases: open, answer, submit.
- :mod:`bot.loop.suggested_items` — the webhooks' suggested items a check-in shows.
- :mod:`bot.loop.ports` — what the loop needs stored beyond :class:`bot.ports.Repository`.
- :mod:`bot.loop.weekly_loop` — :class:`~bot.loop.weekly_loop.WeeklyLoop`,
  the one object adapters call.
"""
