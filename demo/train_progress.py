"""A visitor's run as the Train tab shows it: ``TrainingProgress`` turns the run's events
(``demo.worker``) into curves, a status line and the watched held-out questions marked ☑/☒."""

from __future__ import annotations

import time

from addition.config import TrainConfig, digits_label
from addition.evaluation import plural

from .learn_views import curves
from .views import marked_sum, true_sums

PACE_SECONDS = 5.0  # Steps timed before a run's projected length is said: a steadier pace than one step's.


def by_length(record: dict) -> str:
    """A column network's epoch record as the status says it: the whole answers at each length."""
    scores = record["exact_match_by_length"].items()
    return "held-out whole answers " + ", ".join(f"{digits_label(length)} {share:.0%}" for length, share in scores)


class TrainingProgress:
    """A run's events so far, and what the tab shows of them."""

    def __init__(self, config: TrainConfig, clock=time.monotonic, limit_seconds: float | None = None):
        self.config, self.clock, self.limit_seconds = config, clock, limit_seconds
        self.started = clock()
        self.paced_from: tuple[float, int] | None = None  # (time, steps done) at the first progress event.
        self.watch: list[tuple[int, int]] = []
        self.watch_answers: list[str] = []
        self.records: list[dict] = []
        self.position = (0, 0, 1)  # (epoch, step, steps per epoch)
        self.questions_per_epoch = 0
        self.loss = None
        self.result: dict | None = None
        self.grid: dict | None = None  # The first watched sum's dependency grids, after the last epoch.

    def add(self, event: dict) -> None:
        kind = event.get("event")
        if kind == "started":
            self.watch = [tuple(pair) for pair in event["watch"]]
            self.questions_per_epoch = event["questions_per_epoch"]
            self.position = (1, 0, event["steps"])
        elif kind == "progress":
            self.position = (event["epoch"], event["step"], event["steps"])
            self.loss = event["loss"]
            if self.paced_from is None:  # After the first step, which built the network's graphs.
                self.paced_from = (self.clock(), self.steps_done())
        elif kind == "epoch":
            self.records.append(event["record"])
            self.watch_answers = event["watch_answers"]
            self.grid = event.get("grid") or self.grid
            self.position = (len(self.records) + 1, 0, self.position[2])
        elif kind == "done":
            self.result = event

    def epoch_seconds(self) -> float | None:
        """How long the last finished epoch took; None before a second one has finished: the
        first includes building the network's graphs, and an estimate from it overshoots."""
        if len(self.records) < 2:
            return None
        return self.records[-1]["seconds"] - self.records[-2]["seconds"]

    def steps_done(self) -> int:
        epoch, step, steps = self.position
        return max(epoch - 1, 0) * steps + step

    def projected_seconds(self) -> float | None:
        """The whole run's length at the pace of its steps so far (from the first progress event
        on: the first step built the graphs), or None until that pace has had a few seconds."""
        if self.paced_from is None:
            return None
        since, steps_then = self.paced_from
        seconds, steps = self.clock() - since, self.steps_done() - steps_then
        if seconds < PACE_SECONDS or steps < 1:
            return None
        left = self.config.epochs * self.position[2] - self.steps_done()
        return self.clock() - self.started + left * seconds / steps

    def status(self, stopping: bool = False) -> str:
        """One line on the run: starting, the epoch under way with what is known so far (an
        estimate only once a second epoch's time is; the steps of the first two; a warning when
        its pace passes the time limit), stopping, or how it ended."""
        elapsed = self.clock() - self.started
        if self.result:
            return self._ending(elapsed)
        if stopping:
            return f"**Stopping** after the current step; the best finished epoch, if any, is kept… ({elapsed:.0f} s)"
        if not self.records and self.position[1] == 0:  # Nothing trained yet.
            return f"**Starting:** generating the questions and building the network… ({elapsed:.0f} s)"
        parts = [
            f"**Epoch {min(self.position[0], self.config.epochs)} of {self.config.epochs}**",
            f"{elapsed:.0f} s elapsed",
        ]
        per_epoch = self.epoch_seconds()
        if per_epoch:
            parts.append(f"about {per_epoch * (self.config.epochs - len(self.records)):.0f} s left")
            parts.append(f"{self.questions_per_epoch / per_epoch:,.0f} questions/s")
        elif self.position[1]:
            parts.append(f"step {self.position[1]:,} of {self.position[2]:,}")
        projected = self.projected_seconds()
        if self.limit_seconds and projected and projected > self.limit_seconds:
            parts.append(
                f"at this pace it needs about {projected / 60:.0f} min, past the {self.limit_seconds / 60:.0f}-minute "
                "limit, where it stops (keeping its best finished epoch, if any); to train it whole, press Stop "
                "and ask for fewer questions, fewer epochs or a smaller network"
            )
        if self.records:  # The last finished epoch's score, named as its own: not the epoch under way.
            last = self.records[-1]
            if "exact_match_by_length" in last:  # The column network: whole answers at each length checked.
                parts.append(f"after epoch {last['epoch']}: {by_length(last)}")
            else:
                parts.append(
                    f"after epoch {last['epoch']}: held-out whole answers {last['val_exact_match']:.1%}, "
                    f"characters {last['val_accuracy']:.1%}"
                )
        elif self.loss is not None:
            parts.append(f"loss {self.loss:.3f}")
        return " · ".join(parts)

    def _ending(self, elapsed: float) -> str:
        result = self.result
        how = (
            "stopped at the time limit" if result.get("capped") else "stopped" if result.get("stopped") else "finished"
        )
        if not result["epochs_run"]:
            return f"**{how.capitalize()}** before its first epoch ended: there is no model to keep."
        kept = next((record for record in self.records if record["epoch"] == result["best_epoch"]), {})
        if "exact_match_by_length" in kept:  # The column network: each length, not one pooled share.
            scores = by_length(kept)
        else:
            scores = f"whole answers right on {result['validation_exact_match']:.1%} of the held-out questions"
        return (
            f"**{how.capitalize()}** after {plural(result['epochs_run'], 'epoch')}, {result['seconds']:.0f} s of "
            f"training ({max(elapsed, result['seconds']):.0f} s in all): {scores} "
            f"(best epoch {result['best_epoch']}, kept). Your model is now in the Model menu, for you only."
        )

    def curves(self):
        """(accuracy %, loss) per epoch in long form, for two line plots (``learn_views.curves``; for
        the column network, one line per length checked)."""
        return curves(self.records, self.config.epochs)

    def watch_rows(self) -> list[list]:
        """The watched held-out questions with the model's latest answers, marked against Python's
        sum: blank until the first epoch has answered them; an empty answer says so."""
        answers = self.watch_answers + [None] * (len(self.watch) - len(self.watch_answers))
        totals = true_sums(self.watch)
        return [marked_sum(a, b, total, answer) for (a, b), total, answer in zip(self.watch, totals, answers)]

    def summary(self, label: str) -> dict:
        """The last update's JSON: what an API caller needs to use the model."""
        result = self.result or {}
        return {
            "model": label,
            "epochs_run": result.get("epochs_run", len(self.records)),
            "best_epoch": result.get("best_epoch"),
            "seconds": result.get("seconds"),
            "validation_exact_match": result.get("validation_exact_match"),
            "stopped": bool(result.get("stopped")),
            "capped": bool(result.get("capped")),
            "settings": self.config.to_json(),
        }
