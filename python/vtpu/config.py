"""A chip configuration: a preset or config file and overrides, checked by
the binary (`vtpu config`)."""

import json

from vtpu._binary import call


def _text(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class Config:
    """A preset name or .textproto file, plus overrides by config path.

    Keyword arguments name paths with double underscores for dots:
    Config("edge", mxu__rows=64) is `--config edge --set mxu.rows=64`;
    a dict gives paths as they are: Config("edge", {"hbm.preset": "hbm3"}).
    """

    def __init__(self, name="edge", overrides=None, **paths):
        self.name = name
        self.overrides = {}
        for path, value in (overrides or {}).items():
            self.overrides[path] = _text(value)
        for key, value in paths.items():
            self.overrides[key.replace("__", ".")] = _text(value)

    def set(self, path, value):
        """A copy with one more override."""
        merged = dict(self.overrides)
        merged[path] = _text(value)
        return Config(self.name, merged)

    def args(self):
        """The command-line options that select this config."""
        out = ["--config", self.name]
        for path, value in self.overrides.items():
            out += ["--set", f"{path}={value}"]
        return out

    def effective(self):
        """The merged config as the binary validates it (a dict, protobuf's
        JSON mapping). Raises VtpuError naming the bad field."""
        return json.loads(call("config", "--json", *self.args()).stdout)["config_effective"]

    def validate(self):
        """Raises VtpuError (one line naming the field) for a bad config."""
        self.effective()
        return self

    def __repr__(self):
        sets = "".join(f" --set {p}={v}" for p, v in self.overrides.items())
        return f"Config({self.name}{sets})"
