"""What ``/metrics`` reports, counted on the adapters' side where the events pass (the core
stays free of Prometheus):

- HTTP requests and their latency, by route (the server's middleware);
- the weekly loop's work by event and outcome, and prompts sent (from each run's
  :class:`bot.loop.runner.RunReport`, in :class:`adapters.loop_scheduler.LoopScheduler`);
- drift warnings and zombie nudges sent (from the analyse step's ``WeekOutcome``, wrapped
  around ``WeeklyAnalysis.analyse`` by the composition root);
- 429s seen and retries made, by platform (the Slack and Teams clients' retry paths);
- busy answers, by platform: registered for the back-pressure work to count, 0 until then.

prometheus-client rather than hand-written text: it gives real histograms (buckets, sum,
count), label escaping, the exposition format's details and process metrics for free.
One registry per process (:data:`METRICS`); a test may build its own :class:`Metrics`.
"""

from __future__ import annotations

from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)

#: Latency buckets (seconds): Slack wants an answer within 3 s, Teams within 15 s.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 3.0, 5.0, 10.0, 15.0)

CONTENT_TYPE = CONTENT_TYPE_LATEST


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)

        def counter(name: str, doc: str, labels: tuple[str, ...] = ()) -> Counter:
            return Counter(name, doc, labels, registry=self.registry)

        self.requests = counter("okrbot_http_requests", "HTTP requests answered, by route "
                                "and status.", ("method", "route", "status"))
        self.latency = Histogram("okrbot_http_request_duration_seconds",
                                 "Time spent answering, by route.", ("method", "route"),
                                 buckets=LATENCY_BUCKETS, registry=self.registry)
        self.loop_work = counter("okrbot_weekly_loop_work", "The weekly loop's work done, by "
                                 "event (open, remind, close, analyse) and outcome.",
                                 ("event", "outcome"))
        self.prompts = counter("okrbot_prompts_sent", "Weekly prompts and reminders delivered.")
        self.drift_warnings = counter("okrbot_drift_warnings_sent",
                                      "Drift warnings sent to channel owners.")
        self.zombie_nudges = counter("okrbot_zombie_nudges_sent",
                                     "Zombie KR nudges sent to channel owners.")
        self.rate_limited = counter("okrbot_platform_rate_limited", "429 answers seen from a "
                                    "platform's API.", ("platform",))
        self.retries = counter("okrbot_platform_retries", "Calls to a platform's API retried.",
                               ("platform",))
        self.busy = counter("okrbot_busy_answers", "Requests answered 'busy, try again' "
                            "instead of being handled.", ("platform",))
        for platform in ("slack", "teams"):  # shown as 0 before the first event
            for family in (self.rate_limited, self.retries, self.busy):
                family.labels(platform=platform)

    def observe_request(self, *, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method=method, route=route, status=str(status)).inc()
        self.latency.labels(method=method, route=route).observe(seconds)

    def count_run(self, report: Any) -> None:
        """A weekly loop run's :class:`bot.loop.runner.RunReport`."""
        for what, n in report.done.items():
            event, _, outcome = what.partition(" ")
            self.loop_work.labels(event=event, outcome=outcome).inc(n)
            if outcome == "sent" and event in ("open", "remind"):
                self.prompts.inc(n)

    def count_analysis(self, outcome: Any) -> None:
        """The analyse step's :class:`bot.analysis.weekly_analysis.WeekOutcome`."""
        self.drift_warnings.inc(1 if outcome.drift_sent else 0)
        self.zombie_nudges.inc(len(outcome.nudged))

    def render(self) -> bytes:
        return generate_latest(self.registry)


METRICS = Metrics()

__all__ = ["CONTENT_TYPE", "LATENCY_BUCKETS", "METRICS", "Metrics"]
