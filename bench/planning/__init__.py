"""Planning benchmark: the CP-SAT planner against the greedy baseline at three scales."""
