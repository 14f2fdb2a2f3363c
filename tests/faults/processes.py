"""The processes a fault test starts, kills and restarts, with their logs kept for a failure's report."""
from __future__ import annotations

import signal
import subprocess
import tempfile
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[2]


class Processes:
    """`commands(name)` gives the command line of the process called `name`; each start gets a log of its own."""

    def __init__(self, env: dict[str, str], commands: Callable[[str], list[str]], prefix: str = "kontakt-faults-"):
        self.env = {**env, "KONTAKT_ENV": "development"}  # the development keys, as `make run` starts them
        self.commands = commands
        self.logs = Path(tempfile.mkdtemp(prefix=prefix))
        self.running: dict[str, subprocess.Popen] = {}
        self.starts = 0

    def start(self, name: str) -> None:
        self.starts += 1
        log = open(self.logs / f"{name}-{self.starts}.log", "w")
        self.running[name] = subprocess.Popen(self.commands(name), cwd=ROOT, env=self.env, stdout=log,
                                              stderr=subprocess.STDOUT)

    def kill(self, name: str) -> None:
        """SIGKILL: no chance to finish a batch, commit, or ack."""
        process = self.running.pop(name)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)

    def stop_all(self) -> None:
        for process in self.running.values():
            process.terminate()
        for process in self.running.values():
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)

    def tail(self) -> str:
        return "\n".join(f"--- {p.name}\n" + p.read_text()[-3000:] for p in sorted(self.logs.glob("*.log")))
