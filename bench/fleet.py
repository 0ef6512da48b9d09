"""Figure 8 (issue 15): fast for every credential kind, the URL, every region, several profiles.
Whole-process wall times against the AWS CLI v1 on the same embedded AWS, medians of
interleaved runs:

- ``sagedeck ls --json``, 1,000 instances, with a ``credential_process`` profile (the same
  profile for the AWS CLI: both run the process);
- ``sagedeck url NAME`` against ``aws sagemaker create-presigned-notebook-instance-url``, static
  keys and ``credential_process``, and with two regions to search (the AWS CLI is told the
  region);
- ``sagedeck ls --json --region all`` with 20 regions of 50 instances (the others empty)
  against a shell loop of ``aws sagemaker list-notebook-instances --region R`` over the same
  regions, and the dashboard's first rows on screen with ``--region all``;
- 3 profiles x 2 regions against 1 profile x 1 region (``--profile a,b,c``: issue 15 item 1;
  reported as not measured in a tree without it).
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from pathlib import Path

from bench.common import (
    PEERS,
    REGION,
    Figure,
    FleetServer,
    have_peers,
    interleaved,
    median,
    sagedeck_command,
    seconds,
    wall_time,
)
from bench.dashboard import SIZE, rows_on
from bench.fleet_server import instance_name
from bench.terminal import Terminal
from sagedeck.aws.quick import commercial_regions

GROUP = "8. Every credential kind, region and profile (issue 15)"
LIST_PROCESS_TARGET = 0.6
URL_TARGET = 0.6
ALL_REGIONS_TARGET = 0.15
FIRST_ROWS_TARGET = 1.2
PROFILES_TARGET = 1.5
OTHER_REGION = "eu-west-1"
PROFILES = ("team-a", "team-b", "team-c")
# What a credential process prints; a shell script, so that the figure measures the tools and
# not the process (both run it).
CREDS_SCRIPT = """#!/bin/sh
echo '{"Version": 1, "AccessKeyId": "demo", "SecretAccessKey": "demo"}'
"""


def profiles_env(env: dict[str, str]) -> dict[str, str]:
    """``env`` with a ``credential_process`` profile ``proc`` and three static profiles in its
    AWS config, the environment's keys removed; AWS_PROFILE=proc."""
    home = Path(env["HOME"])
    script = home / "creds.sh"
    if not script.exists():
        script.write_text(CREDS_SCRIPT)
        config = Path(env["AWS_CONFIG_FILE"])
        with config.open("a") as out:
            out.write(f"\n[profile proc]\nregion = {REGION}\n")
            out.write(f"credential_process = /bin/sh {shlex.quote(str(script))}\n")
        with Path(env["AWS_SHARED_CREDENTIALS_FILE"]).open("a") as out:
            for name in PROFILES:
                out.write(f"\n[{name}]\naws_access_key_id = demo\naws_secret_access_key = demo\n")
    keep = {k: v for k, v in env.items() if k not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    return {**keep, "AWS_PROFILE": "proc"}


def versus(
    what: str,
    ours: list[str],
    peer: list[str] | None,
    peer_name: str,
    envs: tuple[dict[str, str], dict[str, str]],
    runs: int,
    target: float | None,
) -> Figure:
    """One figure: ``ours`` against ``peer`` (None: no peers installed), medians of
    interleaved runs after one warm-up each."""
    jobs: dict[str, Callable[[], float]] = {"sagedeck": lambda: wall_time(ours, envs[0])}
    if peer is not None and have_peers():
        jobs["peer"] = lambda: wall_time(peer, envs[1])
    for job in jobs.values():
        job()
    results = interleaved(runs, jobs)
    mine = median(results["sagedeck"])
    theirs = median(results["peer"]) if "peer" in results else None
    ratio = mine / theirs if theirs else None
    return Figure(
        GROUP,
        what,
        seconds(mine) + (f" ({ratio:.2f}x)" if ratio is not None else ""),
        target=f"<= {target}x peer" if target is not None else "",
        peer=f"{peer_name} {seconds(theirs)}" if theirs is not None else "n/a",
        met=(ratio <= target) if (ratio is not None and target is not None) else None,
        note=f"min {seconds(min(results['sagedeck']))}, max {seconds(max(results['sagedeck']))}",
    )


def credential_figures(
    server: FleetServer, env: dict[str, str], size: int, runs: int
) -> list[Figure]:
    proc = profiles_env(env)
    aws = str(PEERS / "aws")
    server.populate(size)  # us-east-1 only: the second region searched holds none
    name = instance_name(0)
    list_peer = [aws, "sagemaker", "list-notebook-instances", "--region", REGION]
    url_peer = [
        aws,
        "sagemaker",
        "create-presigned-notebook-instance-url",
        "--notebook-instance-name",
        name,
        "--region",
        REGION,
    ]
    peer_url = "aws sagemaker create-presigned-notebook-instance-url"
    sagedeck = sagedeck_command()
    return [
        versus(
            f"sagedeck ls --json, {size:,} instances, credential_process profile",
            [*sagedeck, "ls", "--json", "--region", REGION],
            list_peer,
            "aws sagemaker list-notebook-instances (same profile)",
            (proc, proc),
            runs,
            LIST_PROCESS_TARGET,
        ),
        versus(
            "sagedeck url NAME, static keys",
            [*sagedeck, "url", name, "--region", REGION],
            url_peer,
            peer_url,
            (env, env),
            runs,
            URL_TARGET,
        ),
        versus(
            "sagedeck url NAME, credential_process profile",
            [*sagedeck, "url", name, "--region", REGION],
            url_peer,
            f"{peer_url} (same profile)",
            (proc, proc),
            runs,
            URL_TARGET,
        ),
        versus(
            "sagedeck url NAME, static keys, two regions to search (the peer is told which)",
            [*sagedeck, "url", name, "--region", f"{REGION},{OTHER_REGION}"],
            url_peer,
            peer_url,
            (env, env),
            runs,
            URL_TARGET,
        ),
    ]


def region_figures(
    server: FleetServer, env: dict[str, str], regions: int, per_region: int, runs: int
) -> list[Figure]:
    every = commercial_regions()
    populated = every[:regions]
    server.populate(per_region, populated)
    # --region all is every commercial region; a smoke run asks for the populated ones only
    spec, asked = ("all", every) if regions >= 20 else (",".join(populated), populated)
    loop = "; ".join(
        f"{shlex.quote(str(PEERS / 'aws'))} sagemaker list-notebook-instances --region {r}"
        f" > /dev/null"
        for r in asked
    )
    listing = versus(
        f"sagedeck ls --json --region {'all' if spec == 'all' else 'R1,R2,...'}:"
        f" {len(asked)} regions, {regions} of them with {per_region} instances",
        [*sagedeck_command(), "ls", "--json", "--region", spec],
        ["/bin/sh", "-c", f"set -e; {loop}"],
        "a shell loop of aws sagemaker list-notebook-instances --region R, the same regions",
        (env, env),
        max(1, min(runs, 3)),  # the peer takes ~0.5 s a region
        ALL_REGIONS_TARGET,
    )
    paints, one = [], []
    for _ in range(runs):  # taking turns with one region's first rows, for the ratio
        paints.append(first_rows(env, spec))
        one.append(first_rows(env, populated[0]))
    took = median(paints)
    painted = Figure(
        GROUP,
        f"dashboard --region {spec if spec == 'all' else 'R1,R2,...'}: process start to the"
        f" first rows on screen ({regions} regions of {per_region})",
        seconds(took),
        target=f"<= {FIRST_ROWS_TARGET} s",
        met=took <= FIRST_ROWS_TARGET,
        note=(
            f"min {seconds(min(paints))}, max {seconds(max(paints))}; one region of"
            f" {per_region} in the same run: {seconds(median(one))}"
            f" ({took / median(one):.2f}x)"
        ),
    )
    return [listing, painted]


def first_rows(env: dict[str, str], regions: str) -> float:
    with Terminal([*sagedeck_command(), "--region", regions], env, SIZE) as term:
        painted = term.wait_for(lambda lines: rows_on(lines) > 0, timeout=120)
        return painted - term.started


def profile_figures(
    server: FleetServer, env: dict[str, str], per_region: int, runs: int
) -> list[Figure]:
    keys = profiles_env(env)
    server.populate(per_region, (REGION, OTHER_REGION))
    one = [*sagedeck_command(), "ls", "--json", "--profile", PROFILES[0], "--region", REGION]
    many = [
        *sagedeck_command(),
        *("ls", "--json", "--profile", ",".join(PROFILES)),
        *("--region", f"{REGION},{OTHER_REGION}"),
    ]
    what = (
        f"sagedeck ls --json, {len(PROFILES)} profiles x 2 regions of {per_region} instances,"
        " against 1 profile x 1 region"
    )
    try:
        wall_time(many, keys)
    except RuntimeError as err:
        return [
            Figure(
                GROUP,
                what,
                "not measured",
                target=f"<= {PROFILES_TARGET}x 1x1",
                note=f"this tree has no --profile a,b,c (issue 15 item 1): {str(err)[-120:]}",
            )
        ]
    figure = versus(
        what, many, one, "sagedeck ls --json, 1 profile x 1 region", (keys, keys), runs, None
    )
    ratio = float(figure.value.split("(")[1].rstrip("x)"))
    figure.target = f"<= {PROFILES_TARGET}x 1x1"
    figure.met = ratio <= PROFILES_TARGET
    return [figure]
