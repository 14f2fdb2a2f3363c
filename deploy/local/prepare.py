"""Before `make run` starts the processes: databases, migrations, and every exchange and queue declared, so that
no event is published before the queues that must receive it exist."""
from __future__ import annotations

from services.common import cli
from deploy.register_simulator.simulator import declare_topology as declare_simulator_topology

SERVICES = ["applicants", "registry_checks", "assignments", "payments"]
DATABASES = SERVICES + ["gateway.spec:SPEC"]


def main() -> None:
    cli.main(["migrate", *DATABASES])
    cli.main(["topology", *SERVICES])
    declare_simulator_topology()


if __name__ == "__main__":
    main()
