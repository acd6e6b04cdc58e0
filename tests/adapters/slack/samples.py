"""Hand-built neutral messages, shaped like the core's (digest, drift DM, zombie nudge,
review, check-in form, home), for the Block Kit snapshots and the limit tests."""

from __future__ import annotations

from bot.messages import (
    Actions,
    BulletList,
    Button,
    Choice,
    ChoiceInput,
    Divider,
    Fields,
    Form,
    Heading,
    Message,
    Note,
    Progress,
    Text,
    TextInput,
    mention,
    message,
)

KRS = (
    Choice("KR-1 weekly active teams", "1"),
    Choice("KR-2 signup conversion", "2"),
    Choice("KR-3 p95 latency", "3"),
)


def digest() -> Message:
    return message(
        Heading("#team-web · week 2026-W02 digest"),
        Text(f"4 of 5 checked in. Not yet: {mention('U0CAROL')}."),
        Fields((("Alignment", "67% (↓ from 80%)"), ("Items shipped", "6"), ("Blockers", "1"))),
        BulletList(
            (
                "New signup flow (direct)",
                "A/B test on pricing page <https://github.com/acme/web/pull/42>",
            ),
            title="KR-2 signup conversion",
        ),
        BulletList(("Dependency upgrades — reason: security patch",), title="Not tied to a KR"),
        Text(
            f"*Blocker* ({mention('U0BOB')}): waiting on legal review of the consent banner "
            f"& cookies — owner {mention('U0ALICE')}"
        ),
        Progress("KR-1 weekly active teams", 0.42, "now 1,210 · 42% (pace 50%) · behind pace", 0.5),
        Progress("KR-3 p95 latency", 1.0, "now 180 ms · 100% · target reached"),
        Note("Posted at Wednesday 17:00 (Europe/Berlin)."),
        summary="#team-web weekly digest: 4 of 5 checked in, alignment 67%",
        mentions=(("U0CAROL", "Carol"), ("U0BOB", "Bob"), ("U0ALICE", "Alice")),
    )


def drift_dm() -> Message:
    return message(
        Heading("Drift in #team-web this week"),
        Text("*Low alignment* — 2 of 6 items (33%) moved an active key result; below 50%."),
        BulletList(("Dependency upgrades (none)", "Refactor CSS (untagged)"), title="Evidence"),
        Note("Suggested: ask the team to tag items in Monday's check-in."),
        Text("*Uncovered KR* — KR-3 p95 latency has had no direct or indirect item for 3 weeks."),
        summary="okrbot: 2 drift warnings for #team-web",
    )


def zombie_nudge() -> Message:
    return message(
        Heading("KR-3 looks like a zombie"),
        Text("No item, no metric movement, confidence ≤ 3 for 3 weeks. Keep, kill or redirect it?"),
        Actions(
            (
                Button("Keep", "zombie.keep", value="kr:3", style="primary"),
                Button("Kill", "zombie.kill", value="kr:3", style="danger"),
                Button("Redirect", "zombie.redirect", value="kr:3"),
            )
        ),
        summary="KR-3 looks like a zombie: keep, kill or redirect?",
    )


def review() -> Message:
    return message(
        Heading("2026-Q1 outcome review · #team-web"),
        Fields(
            (
                ("Mean attainment", "0.54 (below 0.6)"),
                ("Key results", "5"),
                ("Killed", "1"),
                ("Alignment, mean", "61%"),
            )
        ),
        Progress("KR-1 weekly active teams", 0.8, "1,000 → 1,400 (target 1,500) · 80%"),
        Progress("KR-2 signup conversion", 0.3, "2.1% → 2.4% (target 3.1%) · 30%"),
        Divider(),
        BulletList(("KR-4 NPS — killed: metric not measurable yet",), title="Decisions"),
        summary="2026-Q1 review: mean attainment 0.54",
    )


def checkin_form() -> Form:
    return Form(
        form_id="checkin",
        title="Check-in · #team-web · 2026-W02",
        inputs=(
            TextInput(
                "shipped",
                "What did you ship this week? One item a line.",
                multiline=True,
                initial="New signup flow\nPricing A/B test",
                optional=True,
            ),
            ChoiceInput(
                "item1_krs",
                "“New signup flow” moves…",
                KRS,
                initial=("2",),
                multiple=True,
                optional=True,
            ),
            ChoiceInput(
                "item1_tier",
                "…how?",
                (
                    Choice("direct", "direct"),
                    Choice("indirect", "indirect"),
                    Choice("none", "none"),
                ),
                initial=("direct",),
            ),
            TextInput(
                "blockers",
                "Are you blocked?",
                multiline=True,
                optional=True,
                placeholder="Nothing, or what and by whom",
            ),
        ),
        state="channel=C0TEAMWEB;week=2026-W02",
    )


def home() -> Message:
    return message(
        Heading("okrbot"),
        Divider(),
        Heading("#team-web · 2026-W02"),
        Text("You have not checked in this week yet."),
        Actions((Button("Answer check-in", "checkin.open", value="C0TEAMWEB", style="primary"),)),
        Progress("KR-1 weekly active teams", 0.42, "now 1,210 · 42% (pace 50%) · behind pace", 0.5),
        summary="okrbot home",
    )
