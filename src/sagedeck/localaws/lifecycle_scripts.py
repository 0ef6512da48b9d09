"""A dry run of a lifecycle configuration script: its output and how it ends.

Nothing is executed. Output is what the commands would print (``echo`` text, conda and pip
progress). Run time follows a cost model (``sleep N`` takes N seconds, ``conda env create`` four
minutes, ``conda install`` two, ``pip install`` half a minute) so that a script doing too much
breaks AWS's five-minute limit the way real ones do; ``exit N`` with N > 0 fails the script.
"""

from __future__ import annotations

import base64
import re
import shlex
from dataclasses import dataclass
from typing import Literal

TIME_LIMIT_SECONDS = 300
Outcome = Literal["ok", "timeout", "error"]

# `cat > FILE <<'END'` (or tee): the lines up to END are the file's text, not commands.
_WRITTEN_HEREDOC = re.compile(r"^(?:cat|tee)\b[^<]*>?[^<]*<<-?\s*['\"]?(\w+)['\"]?\s*$")
_ASSIGNMENT = re.compile(r"^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$")
_SKIP = ("#", "set ", "if ", "then", "fi", "else", "do", "done", "EOF", "}", "{", "function ")
_CONDA_CREATE = [
    "Collecting package metadata (repodata.json): ...working... done",
    "Solving environment: ...working... done",
    "",
    "Downloading and Extracting Packages",
    "Preparing transaction: ...working... done",
    "Verifying transaction: ...working... done",
    "Executing transaction: ...working... done",
    "#",
    "# To activate this environment, use",
    "#",
    "#     $ conda activate {env}",
]
_CONDA_INSTALL = [
    "Collecting package metadata (current_repodata.json): ...working... done",
    "Solving environment: ...working... failed with initial frozen solve. Retrying with "
    "flexible solve.",
    "Solving environment: ...working... done",
    "Preparing transaction: ...working... done",
    "Verifying transaction: ...working... done",
    "Executing transaction: ...working... done",
]


@dataclass(frozen=True, slots=True)
class ScriptRun:
    lines: tuple[str, ...]
    seconds: float
    outcome: Outcome


def decode(content: str | None) -> str:
    if not content:
        return ""
    try:
        return base64.b64decode(content).decode("utf-8", errors="replace")
    except ValueError:
        return ""


def _expand(text: str, variables: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        return variables.get(match.group(1) or match.group(2), "")

    return re.sub(r"\$\{(\w+)\}|\$(\w+)", value, text)


def _words(line: str) -> list[str]:
    try:
        return shlex.split(line)
    except ValueError:
        return line.split()


def _command(line: str, variables: dict[str, str]) -> tuple[list[str], float, int | None]:
    """(output lines, seconds, exit status if the script exits here)."""
    words = _words(_expand(line, variables))
    if not words:
        return [], 0.0, None
    if words[0] == "echo":
        return [" ".join(word for word in words[1:] if not word.startswith("-"))], 0.0, None
    if words[0] == "sleep" and len(words) > 1 and words[1].isdigit():
        return [], float(words[1]), None
    if words[0] == "exit":
        return [], 0.0, int(words[1]) if len(words) > 1 and words[1].isdigit() else 0
    if "conda" in words and ("create" in words or ("env" in words and "create" in words)):
        env = words[words.index("-n") + 1] if "-n" in words[:-1] else "custom"
        return [line.format(env=env) for line in _CONDA_CREATE], 240.0, None
    if "conda" in words and "install" in words:
        return list(_CONDA_INSTALL), 120.0, None
    if "pip" in words and "install" in words:
        packages = [w for w in words[words.index("install") + 1 :] if not w.startswith("-")]
        output = [f"Collecting {package}" for package in packages]
        names = " ".join(f"{package.split('=')[0]}-1.0.0" for package in packages)
        output.append(f"Successfully installed {names}")
        return output, 30.0, None
    return [], 1.0, None


def dry_run(script: str) -> ScriptRun:
    variables: dict[str, str] = {"HOME": "/root", "PWD": "/home/ec2-user"}
    lines: list[str] = []
    spent = 0.0
    writing_until: str | None = None  # the terminator of a here-document being written
    for raw in script.splitlines():
        line = raw.strip()
        if writing_until is not None:
            writing_until = None if line == writing_until else writing_until
            continue
        if not line or line.startswith(_SKIP) or line.startswith("#!"):
            continue
        written = _WRITTEN_HEREDOC.match(line)
        if written:  # a file written, not commands run (a cron job, a helper script)
            writing_until = written.group(1)
            spent += 1.0
            continue
        assignment = _ASSIGNMENT.match(line)
        if assignment and " " not in assignment.group(2).strip("\"'"):
            variables[assignment.group(1)] = assignment.group(2).strip("\"'")
            continue
        output, seconds, status = _command(line, variables)
        if spent + seconds > TIME_LIMIT_SECONDS:
            # Killed mid-command: only the part that ran made it to the log.
            done = (TIME_LIMIT_SECONDS - spent) / seconds
            lines.extend(line for line in output[: max(1, int(len(output) * done))] if line)
            return ScriptRun(tuple(lines), float(TIME_LIMIT_SECONDS), "timeout")
        spent += seconds
        lines.extend(line for line in output if line)  # CloudWatch has no empty events
        if status is not None:
            return ScriptRun(tuple(lines), spent, "ok" if status == 0 else "error")
    return ScriptRun(tuple(lines), spent, "ok")


def failure_reason(outcome: Outcome, config_arn: str, notebook_arn: str) -> str:
    what = "took longer than 5 minutes" if outcome == "timeout" else "failure"
    return (
        f"Notebook Instance Lifecycle Config '{config_arn}' for Notebook Instance "
        f"'{notebook_arn}' {what}. Please check your CloudWatch logs for more details if your "
        "Notebook Instance has Internet access."
    )
