"""Reports one incumbent, then raises."""

LIBRARY = PIP = "none"
CLASSES = ("icml24", "rcs", "tcs")


def version() -> str:
    return "explode 1"


def run(ctx, **options):
    ctx.tracker.offer(ctx.problem.asap)
    raise RuntimeError("the solver library exploded")
