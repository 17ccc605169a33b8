"""The paper's class's own back-ends (schedbench.problems.icml24 lists them)."""
