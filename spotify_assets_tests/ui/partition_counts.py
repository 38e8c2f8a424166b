"""What the UI shows about the weekly partitions at a moment, computed from the partitions
definition of the environment `dagster dev` runs in (the shipped replay sample, unless told
otherwise): no UI test writes a count as a literal, so the suite passes on any day."""

import math
import re
from dataclasses import dataclass
from datetime import datetime

import dagster as dg

from spotify_assets.definitions import build_definitions, weekly_partitions
from spotify_assets.settings import load_settings


def partitions_of(env: dict[str, str] | None = None) -> dg.PartitionsDefinition:
    """The weekly partitions of an environment (by default the UI tests' `dagster dev`: no project
    variable, so the shipped replay sample)."""
    return weekly_partitions(build_definitions(load_settings(env or {})))


@dataclass(frozen=True)
class WeeklyPartitions:
    """The weekly partitions as they stand at one moment, and the labels the UI gives them."""

    first: str
    count: int
    newest: str

    @classmethod
    def at(
        cls, moment: datetime | None = None, partitions: dg.PartitionsDefinition | None = None
    ) -> "WeeklyPartitions":
        """At `moment` (now when None): offline, the replay's weeks; live, every completed week since the first."""
        partitions = partitions or partitions_of()
        with dg.partition_loading_context(effective_dt=moment):
            return cls(
                partitions.get_first_partition_key(),
                partitions.get_num_partitions(),
                partitions.get_last_partition_key(),
            )

    def count_label(self) -> str:
        """The asset graph node's footer, as in "12 partitions"."""
        return f"{self.count:,} partitions"

    def filled_label(self, materialized: int) -> str:
        """The asset graph node's Partitions facet: Dagster floors the share (9 of 152 is "5% filled")."""
        return f"{math.floor(materialized / self.count * 100)}% filled"

    def range_label(self) -> str:
        """The partitions page's selection of every week, as in "[2026-08-17...2026-11-02]"."""
        return f"[{self.first}...{self.newest}]"

    def selected_label(self) -> str:
        return f"{self.count:,} Partitions Selected"

    def missing_label(self, materialized: int) -> str:
        return f"Missing ({self.count - materialized:,})"


def any_of(labels: set[str]) -> re.Pattern:
    """Exactly one of `labels`: a page read across Monday 00:00 UTC may show the count before or after."""
    return re.compile("^(" + "|".join(re.escape(label) for label in sorted(labels)) + ")$")
