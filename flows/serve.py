"""Scheduled deployments of the ingest flow: one per named source of a sources config, plus a nightly reconcile."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from flows.ingest import ingest
from tasks.fetch.sources import NamedSource, load_config

RECONCILE = "reconcile"
RECONCILE_CRON = "0 2 * * *"  # nightly, after the day's news and before analysts start
DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
WORK_POOL = "newsfacts"  # the `process` work pool of prefect.yaml


@dataclass(frozen=True)
class DeploymentSpec:
    """Everything a deployment needs, independent of how it is deployed (serve or prefect.yaml)."""

    name: str
    entrypoint: str  # module path (serve) — prefect.yaml uses the file form of the same object
    parameters: dict
    tags: list[str]
    description: str
    cron: str | None = None
    interval_s: float | None = None
    timezone: str = DEFAULT_TIMEZONE

    @property
    def file_entrypoint(self) -> str:
        module, _, attr = self.entrypoint.rpartition(".")
        return f"{module.replace('.', '/')}.py:{attr}"


def _warehouse_parameter(warehouse: str | None) -> dict:
    """Absolute local paths: a served run's working directory is not the operator's."""
    if warehouse is None:
        return {}
    return {"warehouse": warehouse if "://" in warehouse else str(Path(warehouse).expanduser().resolve())}


def source_deployment(source: NamedSource, config: str, warehouse: str | None,
                      interval_s: float | None = None) -> DeploymentSpec:
    """The deployment of one named source of `config`; `interval_s` replaces its schedule (tests, demos).

    Its runs ingest "<config>#<name>", so they keep the source's name and limits (max_items).
    """
    schedule = source.schedule
    cron = None if interval_s or schedule is None else schedule.cron
    interval = interval_s or (schedule.interval_minutes * 60 if schedule and schedule.interval_minutes else None)
    return DeploymentSpec(
        name=source.name,
        entrypoint="flows.ingest.ingest",
        parameters={"sources": [f"{config}#{source.name}"], **_warehouse_parameter(warehouse)},
        tags=[f"source:{source.name}", f"kind:{source.kind}"],  # the tag convention of `newsfacts run`
        description=f"Ingest the {source.kind} {source.url}",
        cron=cron,
        interval_s=interval,
        timezone=schedule.timezone if schedule else DEFAULT_TIMEZONE,
    )


def reconcile_deployment(warehouse: str | None, cron: str = RECONCILE_CRON) -> DeploymentSpec:
    """Nightly: re-extract, from their stored raw inputs, the articles of older extractor versions."""
    return DeploymentSpec(
        name=RECONCILE,
        entrypoint="flows.ingest.ingest",
        parameters={"full_refresh": False, "reprocess": True, **_warehouse_parameter(warehouse)},
        tags=[RECONCILE, "reprocess"],
        description="Re-extract articles loaded by older extractor versions, from the raw archive (never refetched)",
        cron=cron,
    )


def deployment_specs(config: str, warehouse: str | None = None, interval_s: float | None = None,
                     reconcile_cron: str = RECONCILE_CRON) -> list[DeploymentSpec]:
    """One deployment per enabled named source of the config file, then the reconcile deployment."""
    specs = [source_deployment(s, config, warehouse, interval_s) for s in load_config(config) if s.enabled]
    return specs + [reconcile_deployment(warehouse, reconcile_cron)]


def runner_deployment(spec: DeploymentSpec):
    """A Prefect RunnerDeployment for `prefect.serve`, loaded by module path so any working directory works."""
    from prefect.schedules import Cron, Interval
    from prefect.types.entrypoint import EntrypointType

    schedule = None
    if spec.cron:
        schedule = Cron(spec.cron, timezone=spec.timezone)
    elif spec.interval_s:
        schedule = Interval(timedelta(seconds=spec.interval_s), timezone=spec.timezone)
    return ingest.to_deployment(
        name=spec.name, schedule=schedule, parameters=spec.parameters, tags=spec.tags,
        description=spec.description, entrypoint_type=EntrypointType.MODULE_PATH)


def serve(specs: list[DeploymentSpec], limit: int | None = None) -> None:
    """Register the deployments and run their schedules until SIGTERM / Ctrl-C.

    Prefect's runner handles both: SIGTERM cancels in-flight runs, pauses the schedules
    (so nothing piles up while nobody serves them) and returns; Ctrl-C does the same.
    """
    from prefect import serve as prefect_serve

    prefect_serve(*[runner_deployment(s) for s in specs], limit=limit, pause_on_shutdown=True)


def prefect_yaml(specs: list[DeploymentSpec], work_pool: str = WORK_POOL) -> dict:
    """The `deployments:` of prefect.yaml for `prefect deploy --all` with a process work pool."""
    out = []
    for spec in specs:
        entry: dict = {"name": spec.name, "entrypoint": spec.file_entrypoint, "description": spec.description,
                       "tags": list(spec.tags), "parameters": dict(spec.parameters)}
        if spec.cron:
            entry["schedules"] = [{"cron": spec.cron, "timezone": spec.timezone}]
        elif spec.interval_s:
            entry["schedules"] = [{"interval": spec.interval_s, "timezone": spec.timezone}]
        entry["work_pool"] = {"name": work_pool}
        out.append(entry)
    return {"deployments": out}


PREFECT_YAML_HEADER = """# Deployments of the ingest flow for `prefect deploy --all` and a `process` work pool.
#
# The same deployments as `newsfacts serve --config sources.example.toml` (flows/serve.py builds both;
# tests/test_serve.py checks that this file matches): one per enabled [[source]], plus the nightly
# reconcile that re-extracts articles of older extractor versions from the raw archive.
#
#   prefect work-pool create newsfacts --type process
#   prefect deploy --all                      # from this folder: workers load the flow from it
#   NEWSFACTS_WAREHOUSE=s3://bucket/news prefect worker start --pool newsfacts
#
# No `warehouse` parameter: each worker's NEWSFACTS_WAREHOUSE (default warehouse/data) decides.
# No pull step: `prefect deploy` records this folder as the working directory, so a worker on another
# machine needs the project installed at the same path (or add a git_clone pull step).
# Regenerate after editing sources.example.toml:  python -m flows.serve sources.example.toml > prefect.yaml

name: newsfacts
prefect-version: 3.9.1

build: null
push: null

"""


def render_prefect_yaml(specs: list[DeploymentSpec]) -> str:
    """The whole prefect.yaml text for these deployments."""
    import yaml

    return PREFECT_YAML_HEADER + yaml.safe_dump(prefect_yaml(specs), sort_keys=False, allow_unicode=True, width=120)


if __name__ == "__main__":  # python -m flows.serve sources.example.toml > prefect.yaml
    import sys

    sys.stdout.write(render_prefect_yaml(deployment_specs(sys.argv[1] if len(sys.argv) > 1 else "sources.toml")))
