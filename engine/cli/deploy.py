"""`duban deploy [--apply]`: the site's periodic work as Prefect deployments (workflows.deploy)."""
from __future__ import annotations

import argparse


def cmd_deploy(args: argparse.Namespace) -> int:
    from workflows.deploy import deploy_command  # Prefect loads only for this command

    return deploy_command(args)
