"""The evidence loop's first part: shipped work that comes in by itself.

GitHub, GitLab and Jira tell okrbot (by webhook) when a pull request is merged or an
issue is done; each becomes a *suggested item* in its author's check-in, which the member
keeps, tags or drops (:mod:`bot.loop.suggested_items`). People are linked to their
accounts with ``link`` (:mod:`bot.evidence.linking`); the owner connects a channel with
``connect`` (:mod:`bot.evidence.connecting`). Nothing here knows HTTP: the webhooks'
signatures and payloads are ``adapters/webhooks``' business.
"""
