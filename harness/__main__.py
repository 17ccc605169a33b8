"""``python -m schedbench.harness ...`` (also ``python -m harness`` from the repository root)."""

from schedbench.harness.app import cli

if __name__ == "__main__":
    cli()
