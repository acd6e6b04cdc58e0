"""The Slack adapter: slash command, modals, buttons, App Home and DMs, over HTTP or
Socket Mode. :mod:`adapters.slack.app` is its front door."""
