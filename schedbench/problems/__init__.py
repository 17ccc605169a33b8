"""Problem classes beyond the paper's (docs/problems/): each owns its validation,
evaluation of a batch of schedules, lower bounds and schedule format."""
