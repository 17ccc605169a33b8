"""``python -m schedbench.harness.verdict``: kept for the commands written before the ICML24
study moved to :mod:`schedbench.studies.icml24.verdict` (same options)."""

from schedbench.studies.icml24.verdict import main

if __name__ == "__main__":
    main()
