"""Sampling the bot process with py-spy during a measured window, and reading the samples.

py-spy (`pip install py-spy`) samples another process's Python stacks without changing it.
`--format raw` writes collapsed stacks: `frame;frame;...;leaf count` per line. The summary
counts each function once per sample where it appears (inclusive) and where it is the leaf
(self), the two views a flame graph gives.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path
from types import TracebackType


class PySpy:
    """`with PySpy(pid, path):` records the process's stacks to `path` for the block."""

    def __init__(self, pid: int, path: Path, rate: int = 100) -> None:
        self.pid, self.path, self.rate = pid, path, rate
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> PySpy:
        executable = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
        command = [executable, "record", "--pid", str(self.pid), "--format", "raw"]
        command += ["--rate", str(self.rate), "--nolineno", "-o", str(self.path)]
        self._process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._process is not None:
            self._process.send_signal(signal.SIGINT)
            self._process.wait(30)


def summary(path: Path, top: int = 30) -> str:
    """The functions most often on the stack (inclusive) and running (self), in % of samples."""
    inclusive: Counter[str] = Counter()
    leaf: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = stack.split(";")
        total += count
        leaf[frames[-1]] += count
        for frame in set(frames):
            inclusive[frame] += count
    lines = [f"{total} samples"]
    for title, counter in (("inclusive", inclusive), ("self", leaf)):
        lines.append(f"-- {title}")
        for frame, count in counter.most_common(top):
            lines.append(f"{100 * count / max(total, 1):5.1f}%  {frame}")
    return "\n".join(lines)


if __name__ == "__main__":
    print(summary(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 30))
