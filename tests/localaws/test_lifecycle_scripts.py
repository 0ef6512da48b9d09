"""The dry run that decides what a lifecycle script prints and whether it fails."""

from __future__ import annotations

from sagedeck.localaws.lifecycle_scripts import dry_run


def test_echo_and_variables() -> None:
    run = dry_run('#!/bin/bash\nset -e\nIDLE=3600\necho "idle after $IDLE s"\necho ${IDLE}\n')
    assert run.lines == ("idle after 3600 s", "3600")
    assert run.outcome == "ok"


def test_comments_and_blank_lines_print_nothing() -> None:
    assert dry_run("# just a comment\n\n   \n").lines == ()


def test_five_minutes_is_the_limit() -> None:
    assert dry_run("sleep 299\necho done\n").outcome == "ok"
    late = dry_run("sleep 200\necho halfway\nsleep 200\necho never\n")
    assert late.outcome == "timeout"
    assert late.lines == ("halfway",)


def test_conda_is_slow_enough_to_time_out() -> None:
    one = dry_run("conda create --yes -n nlp python=3.10\n")
    assert one.outcome == "ok"
    assert one.lines[-1] == "#     $ conda activate nlp"
    two = dry_run("conda create --yes -n nlp python=3.10\nconda install --yes pytorch\n")
    assert two.outcome == "timeout"
    assert any(line.startswith("Collecting package metadata") for line in two.lines)


def test_non_zero_exit_fails_and_stops() -> None:
    run = dry_run("echo before\nexit 3\necho after\n")
    assert run.outcome == "error"
    assert run.lines == ("before",)
    assert dry_run("echo ok\nexit 0\necho unreachable\n").outcome == "ok"


def test_pip_install_reports_packages() -> None:
    run = dry_run("pip install --quiet ipykernel jupyterlab-lsp\n")
    assert run.lines == (
        "Collecting ipykernel",
        "Collecting jupyterlab-lsp",
        "Successfully installed ipykernel-1.0.0 jupyterlab-lsp-1.0.0",
    )


def test_a_file_written_from_a_here_document_is_not_run() -> None:
    """sagedeck's idle-stop script writes its check with `cat > FILE <<'CHECK_SCRIPT'`: the
    check's own `exit 0` must not end the dry run; the installer prints its one line."""
    from importlib import resources

    script = resources.files("sagedeck").joinpath("scripts/idle_stop.sh").read_text()
    run = dry_run(script)
    assert run.outcome == "ok"
    assert run.lines == (
        "sagedeck idle-stop: stops this instance after 60 idle minutes (checks every 5)",
    )
    assert run.seconds < 30
    assert dry_run("cat > /tmp/x <<EOF\nexit 3\nEOF\necho after\n").lines == ("after",)
    # A here-document fed to a shell is run, as before (the seeded conda scripts rely on it).
    assert dry_run("sudo -u ec2-user -i <<'EOF'\necho inside\nEOF\n").lines == ("inside",)
