"""`dagster dev` (reads pyproject.toml) and `dagster dev -w workspace.yaml` load the same code location."""

import shutil
import tomllib

import dagster as dg
import yaml

from spotify_assets_tests.ui.dagster_dev import LOCATION, ROOT


def test_pyproject_and_workspace_name_the_same_module_and_location():
    tool = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["dagster"]
    (entry,) = yaml.safe_load((ROOT / "workspace.yaml").read_text())["load_from"]
    module = entry["python_module"]
    assert (tool["module_name"], tool["code_location_name"]) == (module["module_name"], module["location_name"])
    assert module["location_name"] == LOCATION


def test_the_instance_config_make_dev_installs_loads(tmp_path):
    shutil.copy(ROOT / "scripts" / "dagster.yaml", tmp_path / "dagster.yaml")
    with dg.DagsterInstance.from_config(str(tmp_path)) as instance:
        assert instance.get_concurrency_config().pool_config.default_pool_limit == 1
        assert instance.run_coordinator.__class__.__name__ == "QueuedRunCoordinator"
