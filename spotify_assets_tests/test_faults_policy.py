"""The README's fault policy table (quarantine / warn / block) says what the code does: every quality
rule is in it, each blocking exactly when the table says "block", and the Dagster-built checks it
names (schema change, freshness) warn."""

import re
from pathlib import Path

from spotify_assets.charts.rules import CHART_RULES
from spotify_assets.definitions import build_definitions
from spotify_assets.lake.fingerprints import TABLES_MATCH_RAW
from spotify_assets.lake.rules import RULES
from spotify_assets.settings import load_settings
from spotify_assets.star.rules import STAR_RULES
from spotify_assets.trends.rules import TREND_RULES

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
CHECK = re.compile(r"`([a-z_]+)\.([a-z_]+)`")


def policy_rows() -> list[tuple[str, str, str]]:
    """(fault, policy, check cell) of each row of the README's "Faults" table."""
    section = README.read_text().split("## Faults: quarantine, warn or block", 1)[1].split("\n## ", 1)[0]
    rows = [line.split(" | ") for line in section.splitlines() if line.startswith("| ") and "---" not in line]
    return [(cells[0].lstrip("| "), cells[1], cells[2]) for cells in rows[1:]]


def test_every_rule_is_in_the_table_with_its_policy():
    named: dict[tuple[str, str], str] = {}
    for _, policy, checks in policy_rows():
        for table, name in CHECK.findall(checks):
            assert (table, name) not in named, f"{table}.{name} is in two rows"
            named[(table, name)] = policy
    rules = {
        (rule.table, rule.name): rule for rule in (*RULES, *TREND_RULES, *CHART_RULES, *STAR_RULES, TABLES_MATCH_RAW)
    }
    assert set(rules) - set(named) == set(), "rules missing from the README's fault table"
    assert set(named) - set(rules) == set(), "the README's fault table names checks the code does not have"
    wrong = {
        f"{table}.{name}: README says {named[(table, name)]!r}, code says blocking={rule.blocking}"
        for (table, name), rule in rules.items()
        if rule.blocking != named[(table, name)].startswith("block")
    }
    assert not wrong, wrong


def test_the_checks_dagster_builds_warn():
    policies = {cell.strip("`").split(" ")[0]: policy for _, policy, cell in policy_rows()}
    assert policies["column_schema_change"] == "warn" and policies["freshness_check"] == "warn"
    graph = build_definitions(load_settings({"SPOTIFY_ASSETS_LAKE": "/tmp/unused-lake"})).resolve_asset_graph()
    built = [key for key in graph.asset_check_keys if key.name in ("column_schema_change", "freshness_check")]
    assert len(built) >= 2
    assert not [key for key in built if graph.get_check_spec(key).blocking]


def test_every_row_says_one_of_the_policies():
    """Quarantine, warn or block; two faults are neither and say what happens instead."""
    for fault, policy, _ in policy_rows():
        assert re.match(r"(quarantine|warn|block|repaired|kept out)\b", policy), f"{fault}: {policy}"


def test_the_docs_carry_the_same_table():
    def table(text: str) -> list[str]:
        return [line.replace("../README.md#", "#") for line in text.splitlines() if line.startswith("| ")]

    section = README.read_text().split("## Faults: quarantine, warn or block", 1)[1].split("\n## ", 1)[0]
    assert table((ROOT / "docs" / "faults.md").read_text()) == table(section)
