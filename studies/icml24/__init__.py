"""The ICML 2024 paper's study: its claims checked against the verdict protocol's runs
(:mod:`.claims`, :mod:`.rules`) and the committed reference results (:mod:`.verdict`)."""
