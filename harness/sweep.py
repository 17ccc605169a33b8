"""The Hydra callback that owns a results folder for the length of a run or a sweep.

It takes the folder's lock when the run or sweep starts (:mod:`schedbench.harness.lock`:
a second sweep on the same folder stops with one line) and, when it ends, writes the
runs and points tables once from the records, instead of after every run.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback

from schedbench.harness.lock import TOKEN_VARIABLE, ResultsLocked, acquire, release


class ResultsFolder(Callback):
    def __init__(self) -> None:
        self.token: str | None = None

    def on_run_start(self, config: Any, **kwargs: Any) -> None:
        self._take(config)

    def on_multirun_start(self, config: Any, **kwargs: Any) -> None:
        self._take(config)

    def on_run_end(self, config: Any, **kwargs: Any) -> None:
        self._finish(config)

    def on_multirun_end(self, config: Any, **kwargs: Any) -> None:
        self._finish(config)

    def _take(self, config: Any) -> None:
        try:
            self.token = acquire(_folder(config), os.environ.get(TOKEN_VARIABLE))
        except ResultsLocked:
            return  # Hydra would only warn: the job's own acquire says it in one line
        os.environ[TOKEN_VARIABLE] = self.token  # the sweep's jobs join with it

    def _finish(self, config: Any) -> None:
        from schedbench.harness import app
        from schedbench.harness.tables import write_tables

        folder = _folder(config)
        try:
            if (folder / "runs").is_dir():
                write_tables(folder)
        except OSError as err:  # a full disk: say so once, unless every run already did
            if not app.UNWRITTEN:
                print(f"error: {app.write_error(err, folder)}", file=sys.stderr)
                app.UNWRITTEN.append(str(folder))
        finally:
            if self.token is not None:
                release(folder, self.token)


def _folder(config: Any) -> Path:
    return Path(str(config.results.dir)).resolve()
