"""The pieces of the command grammar; :mod:`bot.commands` is the public entry."""
