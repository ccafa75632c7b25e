"""Finding and calling the `vtpu` binary."""

import os
import shutil
import subprocess


class VtpuError(RuntimeError):
    """A refusal or failure of the binary: its one-line message and exit status."""

    def __init__(self, message, status):
        super().__init__(message)
        self.status = status


def binary():
    """The vtpu executable: $VTPU, the build tree's, or the one on $PATH."""
    if os.environ.get("VTPU"):
        return os.environ["VTPU"]
    here = os.path.dirname(os.path.abspath(__file__))
    built = os.path.normpath(os.path.join(here, "..", "..", "build", "vtpu"))
    if os.access(built, os.X_OK):
        return built
    found = shutil.which("vtpu")
    if found:
        return found
    raise VtpuError("cannot find the vtpu binary: set $VTPU, or build it in build/", 2)


def call(*args, check=True):
    """Runs `vtpu ARGS`; returns the completed process. With `check`, a
    non-zero exit raises VtpuError with vtpu's error line."""
    done = subprocess.run([binary(), *map(str, args)], capture_output=True, text=True)
    if check and done.returncode != 0:
        lines = [l for l in done.stderr.splitlines() if l.startswith("vtpu: ")]
        message = lines[-1][len("vtpu: "):] if lines else done.stderr.strip()
        raise VtpuError(message, done.returncode)
    return done
