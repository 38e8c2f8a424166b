"""What the UI shows about the weekly partitions at a moment, computed from the partitions
definition. The count grows every Monday, so no UI test writes it as a literal."""

import math
import re
from dataclasses import dataclass
from datetime import datetime

import dagster as dg

from spotify_assets.defs.partitions import build_weekly_partitions
from spotify_assets.lake.weeks import FIRST_WEEK

weekly_partitions = build_weekly_partitions()


@dataclass(frozen=True)
class WeeklyPartitions:
    """The weekly partitions as they stand at one moment, and the labels the UI gives them."""

    count: int
    newest: str

    @classmethod
    def at(cls, moment: datetime | None = None) -> "WeeklyPartitions":
        """At `moment` (now when None): one partition per completed week since the first."""
        with dg.partition_loading_context(effective_dt=moment):
            return cls(weekly_partitions.get_num_partitions(), weekly_partitions.get_last_partition_key())

    def count_label(self) -> str:
        """The asset graph node's footer, as in "152 partitions"."""
        return f"{self.count:,} partitions"

    def filled_label(self, materialized: int) -> str:
        """The asset graph node's Partitions facet: Dagster floors the share (9 of 152 is "5% filled")."""
        return f"{math.floor(materialized / self.count * 100)}% filled"

    def range_label(self) -> str:
        """The partitions page's selection of every week, as in "[2024-01-01...2026-11-23]"."""
        return f"[{FIRST_WEEK}...{self.newest}]"

    def selected_label(self) -> str:
        return f"{self.count:,} Partitions Selected"

    def missing_label(self, materialized: int) -> str:
        return f"Missing ({self.count - materialized:,})"


def any_of(labels: set[str]) -> re.Pattern:
    """Exactly one of `labels`: a page read across Monday 00:00 UTC may show the count before or after."""
    return re.compile("^(" + "|".join(re.escape(label) for label in sorted(labels)) + ")$")
